"""%%capture's record (IPython's CapturedIO): while it is active the body's stdout, stderr and rich
output (displays, plt.show()'s figures, clear_output) are kept here instead of being shown; show()
shows them. Figures left open are shown at the cell's end, as IPython's inline backend does.
"""
import base64
import io
import sys

import codelab_display


class RichOutput:
    def __init__(self, data):
        self.data = data

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.data

    def display(self):
        codelab_display.display(self.data, raw=True)


class CapturedIO:
    def __init__(self, stdout=True, stderr=True, display=True):
        self.streams = {"stdout": io.StringIO() if stdout else None, "stderr": io.StringIO() if stderr else None}
        self.keeps_displays = display
        self.outputs = []
        self.saved = None

    @property
    def stdout(self):
        return self.streams["stdout"].getvalue() if self.streams["stdout"] else ""

    @property
    def stderr(self):
        return self.streams["stderr"].getvalue() if self.streams["stderr"] else ""

    def __enter__(self):
        codelab_display.flush_output()
        self.saved = (sys.stdout, sys.stderr, codelab_display.capture)
        sys.stdout = self.streams["stdout"] or sys.stdout
        sys.stderr = self.streams["stderr"] or sys.stderr
        if self.keeps_displays:
            codelab_display.capture = self
        return self

    def __exit__(self, *_):
        sys.stdout, sys.stderr, codelab_display.capture = self.saved

    # What codelab_display hands a running capture.
    def display(self, bundle, display_id, update):
        if not update:
            self.outputs.append(RichOutput(bundle))

    def figure(self, png):
        self.outputs.append(RichOutput({"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}))

    def clear(self, _wait):
        self.outputs.clear()

    def show(self):
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)
        for output in self.outputs:
            output.display()

    __call__ = show
