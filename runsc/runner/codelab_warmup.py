"""Warm-up rehearsals, run once after a restore while the sandbox waits in the pool: restored memory
faults in page by page, and the first touch of each page is a fault the sentry traps, so both
processes walk a cell's path here with values that change nothing, and no cell pays for it.
Measured side by side (README, "Warm sandboxes"): keep each step unless a measurement says so.
The supervisor imports this module too: what only the program needs is imported in its functions.
"""
import json
import selectors

import codelab_frames

# A cell message as the service writes it (values aside).
CELL_SHAPE = {"type": "cell", "id": 1, "code": "print(1)", "stdin": "", "files": [{"path": "a.csv", "content": "eA=="}],
              "env": {"A": "b"}, "limits": {"pids": 64, "fileBytes": 1 << 20, "openFiles": 64, "outputBytes": 1 << 20},
              "filesOut": {"maxDepth": 4, "maxCount": 64, "maxFileBytes": 1 << 20, "maxTotalBytes": 1 << 22},
              "richOut": {"figures": 8, "figuresBytes": 1 << 22, "displays": 64, "frameBytes": 1 << 22},
              "keep": False}
EXIT_SHAPE = {"exitCode": 0, "signal": None, "limit": None, "problem": None, "ended": True}
# What a notebook cell is made of, parsed and compiled (never run): the parser's and the compiler's
# first touch of each construct's code is then off the cell's path.
REHEARSAL_CELL = """import math
from os import path as p
def f(a, *b, c=1, **d):
    global g
    return [x * 2 for x in a if x], {k: v for k, v in d.items()}
class C(object):
    @property
    def v(self):
        return self.w[1:-1, ::2] @ 3 ** -1 // 2
for i, j in enumerate(range(3)):
    print(f"{i!r:>3} {j:.2f}", i + 1.5 - 2j, "x" % (), not i or i and i < 2 <= 3, sep="")
while False:
    break
with open("f") as h, open("g"):
    h.read()
try:
    x = lambda q=None: {1: 2, **{}} if q else [*b] + [1, "a", b"b", None, True]
except (KeyError, ValueError) as error:
    raise RuntimeError from error
finally:
    del x
assert isinstance(1, int), "no"
"""


def program(fresh, workspace):
    """The program: touches its heap; a fresh program (not a resumed session's) then walks a cell's
    own path: the cell message parsed, start()'s calls, parse and compile a cell, run one, look
    for figures, a mime bundle as its frame's payload."""
    import ast
    import builtins
    import gc
    import codelab_display
    import codelab_program
    gc.get_objects()
    if not fresh:
        return
    json.loads(json.dumps(CELL_SHAPE))
    rehearse_start(workspace)
    compile(ast.parse(REHEARSAL_CELL, filename=codelab_program.CELL), codelab_program.CELL, "exec")  # never run
    codelab_program.run_cell("None", {"__builtins__": builtins})
    codelab_display.send_open_figures()
    codelab_display.bundle_json(codelab_display.mime_bundle(1), codelab_display.frame_bytes)


def rehearse_start(workspace):
    """start()'s calls with values that change nothing (~3.5 ms of first touches together, measured):
    rlimits to their current values, dup2, chdir to the cwd, the streams (output still goes to
    /dev/null), the SIGINT handler."""
    import io
    import os
    import signal
    import codelab_jail
    import codelab_program
    codelab_jail.rehearse_rlimits()
    spare = os.dup(1)
    os.dup2(1, spare)
    os.close(spare)
    os.chdir(workspace)  # already the process's cwd (the spec's)
    os.environ.update({})
    codelab_program.input_stream()
    io.StringIO("")
    codelab_program.output_stream(1).write("1\n")
    signal.signal(signal.SIGINT, codelab_program.interrupts.handler)


def supervisor(wake_fd, workspace):
    """The supervisor: a cell message's JSON both ways and its checks, an input file's digest, a
    selector, a workspace scan, a frame and an exit report."""
    message = json.loads(json.dumps(CELL_SHAPE).encode())
    codelab_frames.message_problem(message)
    codelab_frames.decode_content(message["files"][0]["content"])
    selector = selectors.DefaultSelector()
    selector.register(wake_fd, selectors.EVENT_READ)
    selector.select(0)
    selector.close()
    workspace.rehearse()
    codelab_frames.host_frame(b"X", 1, json.dumps(EXIT_SHAPE).encode())
