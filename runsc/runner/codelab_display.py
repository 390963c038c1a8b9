"""A notebook's rich output in the program, as IPython's display system gives it: the last
expression's value and display() as mime bundles, displays with an id that later updates replace
(DisplayHandle), clear_output(), `_ipython_display_`, matplotlib figures as PNGs. What is sent obeys
the bundle rule and the cell's frame cap, so a value with odd reprs (a non-string under text/html,
NaN in JSON, a huge repr) is shown in a form the supervisor accepts: it would drop a payload that
breaks the rule (and name it as the cell's problem), and a frame over the cap would break the
channel, which ends a session. While a %%capture runs, rich output goes to it instead.
"""
import base64
import io
import json
import os
import sys

import codelab_frames

# The IPython display protocol: method, mime type, binary (sent as base64).
REPR_METHODS = (("_repr_html_", "text/html", False), ("_repr_markdown_", "text/markdown", False),
                ("_repr_svg_", "image/svg+xml", False), ("_repr_png_", "image/png", True),
                ("_repr_jpeg_", "image/jpeg", True), ("_repr_latex_", "text/latex", False),
                ("_repr_json_", "application/json", False))
ELLIPSIS = "\u2026"

channel = None  # the program's Channel, once it has one
frame_bytes = 1 << 22  # the running cell's richOut.frameBytes
capture = None  # a running %%capture: takes displays, figures and clears (codelab_capture)
figure_format = "png"  # "svg" once the cell asks for it (set_matplotlib_formats, %config InlineBackend)


def send(kind, payload):
    if channel is not None:
        channel.send(kind, payload)


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# --- what is shown ---

def display(*objs, include=None, exclude=None, metadata=None, transient=None, display_id=None, raw=False,
            clear=False, update=False, **_options):
    """IPython's display(): each object a display of its own, in order with the output. With a
    display_id (True: a new one) each is that display, which `update=True` replaces where it is
    shown, and a DisplayHandle is returned. `raw` objects are mime bundles already."""
    if display_id is None and isinstance(transient, dict):
        display_id = transient.get("display_id")
    if display_id is True:
        display_id = os.urandom(16).hex()
    if display_id is not None and display_id is not False:
        display_id = checked_id(display_id)
    else:
        display_id = None
    if update and display_id is None:
        raise TypeError("display_id required for update_display")
    if clear:
        clear_output(wait=True)
    if not objs and display_id is not None:
        objs, raw = ({},), True  # an empty output, to be updated later
    for value in objs:
        if not raw and ipython_display(value):
            continue
        bundle = raw_bundle(value) if raw else mime_bundle(value)
        publish(filtered(bundle, include, exclude), display_id, update)
    return DisplayHandle(display_id) if display_id is not None else None


def update_display(obj, *, display_id, **kwargs):
    kwargs["update"] = True
    display(obj, display_id=display_id, **kwargs)


def publish_display_data(data, metadata=None, source=None, *, transient=None, **kwargs):
    display(data, raw=True, transient=transient, **kwargs)


def clear_output(wait=False):
    """Clears the cell's output shown so far: now, or (wait) when the next output comes."""
    if capture is not None:
        capture.clear(wait)
        return
    flush_output()
    send(b"B", b"wait" if wait else b"now")


class DisplayHandle:
    """A display that can be shown again (display) or replaced where it is shown (update)."""

    def __init__(self, display_id=None):
        self.display_id = os.urandom(16).hex() if display_id is None else display_id

    def __repr__(self):
        return "<%s display_id=%s>" % (type(self).__name__, self.display_id)

    def display(self, obj, **kwargs):
        display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj, **kwargs):
        update_display(obj, display_id=self.display_id, **kwargs)


def checked_id(display_id):
    """A display id as the rule wants it (any value stands for its str, as a dict key would)."""
    text = display_id if isinstance(display_id, str) else str(display_id)
    problem = codelab_frames.display_id_problem(text)
    if problem is not None:
        raise ValueError("display_id must be a string of 1 to %d characters without control characters"
                         % codelab_frames.DISPLAY_ID_MAX)
    return text


def show_result(value):
    """The cell's last expression, as IPython's display hook shows it."""
    if ipython_display(value):
        return
    flush_output()
    send(b"R", bundle_json(mime_bundle(value), frame_bytes))


def ipython_display(value):
    """Lets an object that displays itself (`_ipython_display_`) do so; True when it did."""
    if isinstance(value, type):
        return False
    try:
        method = getattr(value, "_ipython_display_", None)
    except Exception:
        return False
    if not callable(method):
        return False
    method()
    return True


def publish(bundle, display_id=None, update=False):
    """One display (D), or one with an id (U), in order with the output; or the capture's."""
    if capture is not None:
        capture.display(bundle, display_id, update)
        return
    flush_output()
    if display_id is None:
        send(b"D", bundle_json(bundle, frame_bytes))
        return
    head = ('{"id": %s, "update": %s, "data": ' % (json.dumps(display_id), json.dumps(update))).encode()
    send(b"U", head + bundle_json(bundle, frame_bytes - len(head) - 1) + b"}")


def set_matplotlib_formats(*formats, **kwargs):
    """IPython's figure formats, as a notebook asks for them: "svg" makes figures SVG displays (an
    image/svg+xml bundle); any other format ("png", "retina", "jpeg", "pdf") PNG figures."""
    global figure_format
    figure_format = "svg" if "svg" in formats else "png"


def send_open_figures():
    """Every open matplotlib figure, in order, then closed (plt.show() and the cell's end): a PNG
    figure, or an SVG display when set_matplotlib_formats asked for it. A figure over the frame cap
    is not sent, and stderr says so."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    flush_output()
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        figure = pyplot.figure(number)
        figure.savefig(buffer, format=figure_format)
        pyplot.close(number)
        if figure_format == "svg":
            publish({"image/svg+xml": buffer.getvalue().decode("utf-8"), "text/plain": repr(figure)})
            continue
        png = buffer.getvalue()
        if capture is not None:
            capture.figure(png)
        elif len(png) > frame_bytes:
            print("codelab: figure %d is %d bytes, over the %d a figure may have: not shown"
                  % (number, len(png), frame_bytes), file=sys.stderr)
        else:
            send(b"F", png)


# --- mime bundles ---

def mime_bundle(value):
    """The value as a notebook shows it: text/plain always, and every form it offers that the rule
    allows."""
    bundle = {}
    if not isinstance(value, type):
        offered = call_repr(value, "_repr_mimebundle_")
        if isinstance(offered, tuple):
            offered = offered[0] if offered else None
        if isinstance(offered, dict):
            add_entries(bundle, offered)
        for method, mime, binary in REPR_METHODS:
            if mime in bundle:
                continue
            shown = call_repr(value, method)
            if isinstance(shown, tuple):
                shown = shown[0] if shown else None
            if shown is None:
                continue
            if binary and isinstance(shown, (bytes, bytearray)):
                shown = base64.b64encode(shown).decode()
            if codelab_frames.entry_problem(mime, shown) is None:
                bundle[mime] = shown
        if "image/png" not in bundle and is_figure(value):
            buffer = io.BytesIO()
            value.savefig(buffer, format="png")
            bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode()
    return with_text(bundle, repr(value))


def raw_bundle(data):
    """A mime bundle given as it is (display(raw=True), publish_display_data): the entries the rule
    allows; text/plain empty when it has none."""
    bundle = {}
    if isinstance(data, dict):
        add_entries(bundle, data)
    text = bundle.get("text/plain")
    return with_text(bundle, text if isinstance(text, str) else "")


def add_entries(bundle, offered):
    for key, item in offered.items():
        item = base64.b64encode(item).decode() if isinstance(item, (bytes, bytearray)) else item
        if isinstance(key, str) and codelab_frames.entry_problem(key, item) is None:
            bundle[key] = item


def with_text(bundle, text):
    bundle.pop("text/plain", None)
    while len(bundle) >= codelab_frames.BUNDLE_ENTRIES:
        bundle.popitem()
    bundle["text/plain"] = text
    return bundle


def filtered(bundle, include, exclude):
    """display(include=, exclude=): the forms asked for; text/plain stays, as the rule wants it."""
    return {key: value for key, value in bundle.items()
            if key == "text/plain" or ((include is None or key in include) and (exclude is None or key not in exclude))}


def call_repr(value, method):
    function = getattr(value, method, None)
    if not callable(function):
        return None
    try:
        return function() if method != "_repr_mimebundle_" else function(include=None, exclude=None)
    except Exception:
        return None


def is_figure(value):
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(value, figure.Figure)


def bundle_json(bundle, room):
    """A bundle as a payload of at most `room` bytes: the whole bundle when it fits and is JSON as
    the service reads it (no NaN), else text/plain alone, cut to fit."""
    try:
        payload = json.dumps(bundle, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError):
        payload = None
    if payload is None or len(payload) > room:
        text = bundle["text/plain"]
        payload = json.dumps({"text/plain": text}).encode()
        if len(payload) > room:
            keep = max(0, room // 12 - 16)  # an escaped character is at most 12 bytes
            payload = json.dumps({"text/plain": text[:keep] + ELLIPSIS}).encode()
    return payload


def adopt_figure_formats(module):
    """IPython.display and matplotlib_inline.backend_inline, as imported: their
    set_matplotlib_formats becomes this program's."""
    module.set_matplotlib_formats = set_matplotlib_formats


def adopt_ipython(module):
    """IPython.core.display_functions, as imported: its display functions become this program's
    (without a running IPython shell they would only print the object's repr, or ANSI escapes)."""
    for name in ("display", "update_display", "publish_display_data", "clear_output", "DisplayHandle"):
        setattr(module, name, globals()[name])
