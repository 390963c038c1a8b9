"""Matplotlib backend for the sandbox: Agg rendering, and plt.show() sends every open
figure to the supervisor as a PNG frame (then closes it), as a notebook would display it."""
from matplotlib.backend_bases import _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg, _BackendAgg


@_Backend.export
class _BackendCodelab(_BackendAgg):
    FigureCanvas = FigureCanvasAgg

    @staticmethod
    def show(*args, **kwargs):
        import codelab_display
        codelab_display.send_open_figures()
