"""Modules the program changes as the user's code imports them, for what a notebook gives and a
plain interpreter does not: IPython's display functions become the program's (without a running
IPython shell they would print a repr, or ANSI escapes for clear_output), and tqdm's notebook bar
becomes its text bar, whose `\\r` redraws on stderr a front end renders as one line that updates
(the widget bar needs ipywidgets and a Jupyter front end, neither of which is here); and
set_matplotlib_formats("svg") makes figures SVG, as in a notebook.
"""
import importlib.util
import sys

import codelab_display


def tqdm_text_bar(module):
    import tqdm.std
    for name in ("tqdm", "tqdm_notebook"):
        setattr(module, name, tqdm.std.tqdm)
    for name in ("trange", "tnrange"):
        setattr(module, name, tqdm.std.trange)


ADOPTED = {"IPython.core.display_functions": codelab_display.adopt_ipython, "tqdm.notebook": tqdm_text_bar,
           "IPython.display": codelab_display.adopt_figure_formats,
           "matplotlib_inline.backend_inline": codelab_display.adopt_figure_formats}


class Adopter:
    """A finder that lets the usual one load an ADOPTED module, then changes it."""

    def find_spec(self, name, path=None, target=None):
        change = ADOPTED.get(name)
        if change is None:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                change(module)
            spec.loader.exec_module = exec_module
        return spec


def install():
    sys.meta_path.insert(0, Adopter())
