"""A notebook's extras in the program: the last expression's value and display() as mime bundles,
matplotlib figures as PNGs. What is sent obeys the bundle rule and the cell's frame cap, so a
value with odd reprs (a non-string under text/html, NaN in JSON, a huge repr) is shown in a form
the supervisor accepts: it would drop a payload that breaks the rule (and name it as the cell's
problem), and a frame over the cap would break the channel, which ends a session.
"""
import base64
import importlib.util
import io
import json
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


def send(kind, payload):
    if channel is not None:
        channel.send(kind, payload)


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def mime_bundle(value):
    """The value as a notebook shows it: text/plain always, and every form it offers that the rule
    allows."""
    bundle = {}
    if not isinstance(value, type):
        offered = call_repr(value, "_repr_mimebundle_")
        if isinstance(offered, tuple):
            offered = offered[0] if offered else None
        if isinstance(offered, dict):
            for key, item in offered.items():
                item = encoded(item)
                if isinstance(key, str) and codelab_frames.entry_problem(key, item) is None:
                    bundle[key] = item
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
    bundle.pop("text/plain", None)
    while len(bundle) >= codelab_frames.BUNDLE_ENTRIES:
        bundle.popitem()
    bundle["text/plain"] = repr(value)
    return bundle


def call_repr(value, method):
    function = getattr(value, method, None)
    if not callable(function):
        return None
    try:
        return function() if method != "_repr_mimebundle_" else function(include=None, exclude=None)
    except Exception:
        return None


def encoded(item):
    return base64.b64encode(item).decode() if isinstance(item, (bytes, bytearray)) else item


def is_figure(value):
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(value, figure.Figure)


def bundle_payload(value):
    """The frame's payload: the whole bundle when it fits the frame cap and is JSON as the service
    reads it (no NaN), else text/plain alone, cut to fit."""
    bundle = mime_bundle(value)
    try:
        payload = json.dumps(bundle, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError):
        payload = None
    if payload is None or len(payload) > frame_bytes:
        text = bundle["text/plain"]
        payload = json.dumps({"text/plain": text}).encode()
        if len(payload) > frame_bytes:
            keep = max(0, frame_bytes // 12 - 16)  # an escaped character is at most 12 bytes
            payload = json.dumps({"text/plain": text[:keep] + ELLIPSIS}).encode()
    return payload


def send_bundle(kind, value):
    flush_output()
    send(kind, bundle_payload(value))


def display(*values, **_options):
    """The notebook's display(): each value as a display of its own, in order with the output."""
    for value in values:
        send_bundle(b"D", value)


class IPythonDisplay:
    """Makes `IPython.display.display` this program's display() when the program imports it:
    without a running IPython shell it would only print the object's repr."""

    MODULE = "IPython.core.display_functions"

    def find_spec(self, name, path=None, target=None):
        if name != self.MODULE:
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
                module.display = display
            spec.loader.exec_module = exec_module
        return spec


def send_open_figures():
    """Every open matplotlib figure as a PNG, in order, then closed (plt.show() and the cell's end).
    A figure over the frame cap is not sent, and stderr says so."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    flush_output()
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        pyplot.figure(number).savefig(buffer, format="png")
        pyplot.close(number)
        png = buffer.getvalue()
        if len(png) > frame_bytes:
            print("codelab: figure %d is %d bytes, over the %d a figure may have: not shown"
                  % (number, len(png), frame_bytes), file=sys.stderr)
            continue
        send(b"F", png)
