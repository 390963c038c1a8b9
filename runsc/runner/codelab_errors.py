"""A cell's exception as a notebook shows it. Its traceback holds the user's frames only: the
runner's are left out wherever they are (above the cell, in a magic's machinery, in the SIGINT
handler), and a magic's line shows once, not as its call and again as the code it ran. It goes to
the service as the cell's error (V: ename, evalue, the traceback's lines), which the service shows
on stderr as Python prints it and as the answer's `error`. A UsageError (notebook syntax misused,
or not run here) is its one line, as IPython shows it.
"""
import json
import os
import sys
import traceback

import codelab_display
import codelab_frames

RUNNER = os.path.dirname(os.path.abspath(__file__))


class UsageError(Exception):
    """A magic that is unknown or misused, or notebook syntax this kernel does not run."""


def report(error):
    """Sends the cell's error; prints it when it cannot be sent (the channel is gone: a run goes on
    without it; or the frame cap is too small for it)."""
    lines = traceback_lines(error)
    data = payload(error, lines, codelab_display.frame_bytes)
    if codelab_display.channel is not None and data is not None:
        try:
            codelab_display.flush_output()
            codelab_display.send(b"V", data)
            return
        except OSError:
            pass
    sys.stderr.write("".join(line + "\n" for line in lines))


def traceback_lines(error):
    if isinstance(error, UsageError):
        return ["UsageError: %s" % text_of(error)]
    shown = traceback.TracebackException(type(error), error, error.__traceback__, compact=True)
    pending, seen = [shown], set()
    while pending:  # the exception, and those chained to it
        exception = pending.pop()
        if id(exception) not in seen:
            seen.add(id(exception))
            exception.stack = user_frames(exception.stack)
            pending += [e for e in (exception.__cause__, exception.__context__) if e is not None]
            pending += getattr(exception, "exceptions", None) or []
    return "".join(shown.format()).splitlines()


def user_frames(stack):
    kept, hidden = [], False
    for frame in stack:
        if os.path.dirname(os.path.abspath(frame.filename)) == RUNNER:
            hidden = True
            continue
        if hidden and kept and (kept[-1].filename, kept[-1].lineno) == (frame.filename, frame.lineno):
            kept.pop()  # a magic's line, then (past the runner's frames) the code it ran from that line
        kept.append(frame)
        hidden = False
    return traceback.StackSummary.from_list(kept)


def text_of(error):
    try:
        return str(error)
    except Exception:
        return "<exception str() failed>"


def payload(error, lines, frame_bytes):
    """The V payload within the frame cap, or None when no error fits it: past 1000 lines the first
    are left out (the end of a traceback is where it failed); past the cap each string is cut,
    then lines are left out from the first."""
    if len(lines) > codelab_frames.TRACEBACK_LINES_MAX:
        left_out = len(lines) - codelab_frames.TRACEBACK_LINES_MAX + 1
        lines = ["[%d lines of the traceback not shown]" % left_out] + lines[left_out:]
    ename, evalue = type(error).__name__[:codelab_frames.ENAME_MAX] or "Exception", text_of(error)
    data = encoded(ename, evalue, lines)
    if len(data) > frame_bytes:
        keep = max(1, (frame_bytes - 64) // 12 // (len(lines) + 2))  # an escaped character is at most 12 bytes
        ename, evalue, lines = ename[:keep], evalue[:keep], [line[:keep] for line in lines]
        data = encoded(ename, evalue, lines)
    while len(data) > frame_bytes and lines:
        lines = lines[len(lines) // 2:] if len(lines) > 1 else []
        data = encoded(ename, evalue, lines)
    return data if len(data) <= frame_bytes else None


def encoded(ename, evalue, lines):
    return json.dumps({"ename": ename, "evalue": evalue, "traceback": lines}).encode()
