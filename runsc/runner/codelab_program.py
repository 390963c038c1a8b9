"""The user program's side, in the process the supervisor forks: it drops every privilege, then
runs the code as the real `__main__` module, as `python3 cell.py` would, with the notebook's
extras: the last expression's value, `display()`, and matplotlib figures. Rich output goes to the
supervisor on fd 3 (type byte, 4-byte big-endian length, payload); nothing here is trusted.
"""
import ast
import atexit
import base64
import builtins
import ctypes
import gc
import importlib.util
import io
import json
import linecache
import os
import random
import resource
import signal
import struct
import sys
import threading
import traceback
import types

WORKSPACE = "/workspace"
CELL = "<cell>"
# What a notebook cell is made of, parsed and compiled (never run) at warm-up: the parser's and the
# compiler's first touch of each construct's code after a restore is then off the request's path.
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
CHANNEL_FD, REQUEST_FD, STDOUT_FD, STDERR_FD = 3, 4, 5, 6
# What start() limits, in the order of its values: a request's pids, fileBytes, openFiles, and no core.
RLIMITS = ("RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")
HEADER = struct.Struct(">cI")
PR_CAPBSET_DROP, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 24, 22, 2
CAP_LAST = 63
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
SYS_CLONE3, ENOSYS, AUDIT_ARCH_X86_64 = 435, 38, 0xC000003E
# The IPython display protocol: method, mime type, binary (sent as base64).
REPR_METHODS = (("_repr_html_", "text/html", False), ("_repr_markdown_", "text/markdown", False),
                ("_repr_svg_", "image/svg+xml", False), ("_repr_png_", "image/png", True),
                ("_repr_jpeg_", "image/jpeg", True), ("_repr_latex_", "text/latex", False),
                ("_repr_json_", "application/json", False))

_channel_pid = None
_acks = None  # the request pipe, which carries acks once the request is read
_channel_lock = threading.Lock()


def serve(stdin_read, stdout_write, stderr_write, channel_write, request_read, uid, preload_stack):
    """The program's process from its fork to its end: drops privileges, preloads, says it is
    ready (K), then answers warm-up lines and runs the one request; returns the exit code."""
    global _channel_pid
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    # Until the request, stdout and stderr go nowhere: nothing said while preloading reaches a run.
    for fd, target in ((stdin_read, 0), (null, 1), (null, 2), (channel_write, CHANNEL_FD), (request_read, REQUEST_FD),
                       (stdout_write, STDOUT_FD), (stderr_write, STDERR_FD)):
        os.dup2(fd, target)
    os.closerange(STDERR_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    drop_privileges(uid)
    _channel_pid = os.getpid()
    if preload_stack:
        preload()
    send(b"K", b"")
    requests = os.fdopen(REQUEST_FD, "rb", closefd=False)
    module = None
    started = False
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt counts only while a cell runs
    for line in iter(requests.readline, b""):
        request = json.loads(line)
        if request.get("warmup"):
            warm_up(fresh=module is None)
            # A restored sandbox's own state (new RNG seeds, __main__) is made while it waits in the
            # pool, off its request's path; a resumed session keeps the one it has.
            module = module or begin()
            send(b"K", b"")
            continue
        if not started:
            start(request)
            started = True
        module = module or begin()
        if not request.get("cell"):
            return run(request, module)
        run_session_cell(request, module)
    return 0


def drop_privileges(uid):
    """No capabilities (bounding set too), the program's uid and gid, and clone3 refused."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(CAP_LAST + 1):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    refuse_clone3(libc)


def start(request):
    """Sets the program's stage once: rlimits, output pipes, environment, stdin, acks."""
    global _acks
    _acks = REQUEST_FD
    limits = request["limits"]
    for name, value in zip(RLIMITS, (limits["pids"], limits["fileBytes"], limits["openFiles"], 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    for fd, target in ((STDOUT_FD, 1), (STDERR_FD, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(WORKSPACE)
    os.environ.update(request.get("env", {}))
    sys.stdin = input_stream()
    sys.stdout = output_stream(1)
    sys.stderr = output_stream(2)


def rehearse_start():
    """start()'s calls with values that change nothing, before any request: after a restore the
    first call of each faults in the pages it touches (~3.5 ms together here), which a request
    should not pay. Output still goes to /dev/null."""
    for name in RLIMITS:
        limit = getattr(resource, name)
        resource.setrlimit(limit, resource.getrlimit(limit))
    spare = os.dup(1)
    os.dup2(1, spare)
    os.close(spare)
    os.chdir(WORKSPACE)  # already the process's cwd (the spec's)
    os.environ.update({})
    input_stream()
    output_stream(1).write("1\n")
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def input_stream():
    """A cell's stdin, as text."""
    return io.TextIOWrapper(os.fdopen(0, "rb", closefd=False), encoding="utf-8")


def output_stream(fd):
    """A cell's stdout or stderr: line by line, as a terminal shows it, never failing on a byte."""
    return io.TextIOWrapper(os.fdopen(fd, "wb", buffering=0, closefd=False), encoding="utf-8",
                            errors="backslashreplace", line_buffering=True)


def write_files(files):
    for entry in files:
        path = os.path.join(WORKSPACE, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(entry["content"]))


def refuse_clone3(libc):
    """A seccomp filter of the program's own: clone3 answers ENOSYS, so libc falls back to clone,
    whose namespace flags the sandbox's profile refuses (runsc's profile cannot return ENOSYS)."""
    def op(code, jump_true, jump_false, k):
        return struct.pack("<HBBI", code, jump_true, jump_false, k)
    allow, enosys = 0x7FFF0000, 0x00050000 | ENOSYS
    program = b"".join((
        op(0x20, 0, 0, 4), op(0x15, 1, 0, AUDIT_ARCH_X86_64), op(0x06, 0, 0, allow),  # other arch: the profile decides
        op(0x20, 0, 0, 0), op(0x15, 0, 1, SYS_CLONE3), op(0x06, 0, 0, enosys), op(0x06, 0, 0, allow)))
    filters = ctypes.create_string_buffer(program)
    fprog = ctypes.create_string_buffer(struct.pack("<HxxxxxxQ", len(program) // 8, ctypes.addressof(filters)))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")


def send(kind, payload):
    """A frame to the supervisor, then its one-byte ack: output printed after a display comes
    after it. Only from the program's first process (a fork's frames would interleave)."""
    if os.getpid() != _channel_pid:
        return
    view = memoryview(HEADER.pack(kind, len(payload)) + payload)
    with _channel_lock:
        while view:
            view = view[os.write(CHANNEL_FD, view):]
        if _acks is not None and kind != b"K":  # the supervisor answers K (ready) with nothing
            os.read(_acks, 1)


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def mime_bundle(value):
    """The value as a notebook shows it: text/plain always, and every form it offers."""
    bundle = {}
    if not isinstance(value, type):
        offered = call_repr(value, "_repr_mimebundle_")
        if isinstance(offered, tuple):
            offered = offered[0]
        if isinstance(offered, dict):
            bundle.update((key, encoded(item)) for key, item in offered.items() if isinstance(key, str))
        for method, mime, binary in REPR_METHODS:
            if mime in bundle:
                continue
            shown = call_repr(value, method)
            if isinstance(shown, tuple):
                shown = shown[0]
            if shown is None:
                continue
            if binary and isinstance(shown, (bytes, bytearray)):
                shown = base64.b64encode(shown).decode()
            if mime == "application/json" or isinstance(shown, str):
                bundle[mime] = shown
        if "image/png" not in bundle and is_figure(value):
            buffer = io.BytesIO()
            value.savefig(buffer, format="png")
            bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode()
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


def send_bundle(kind, value):
    flush_output()
    try:
        payload = json.dumps(mime_bundle(value)).encode()
    except (TypeError, ValueError):
        payload = json.dumps({"text/plain": repr(value)}).encode()
    send(kind, payload)


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
    """Every open matplotlib figure as a PNG, in order, then closed (plt.show() and the cell's end)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    flush_output()
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        pyplot.figure(number).savefig(buffer, format="png")
        send(b"F", buffer.getvalue())
        pyplot.close(number)


def reseed():
    """Restored sandboxes share their image's RNG state: each run gets a full state of its own."""
    words = struct.unpack("624I", os.urandom(624 * 4))
    random.setstate((3, words + (624,), None))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.set_state(("MT19937", numpy.frombuffer(os.urandom(624 * 4), dtype=numpy.uint32), 624))


def limit_hit(error):
    """Names the limit behind an exception, if it is the visible face of one."""
    while error is not None:
        if isinstance(error, MemoryError):
            return b"memory"
        if isinstance(error, BlockingIOError) or (
                isinstance(error, RuntimeError) and "can't start new thread" in str(error)):
            return b"pids"
        error = error.__cause__ or error.__context__
    return None


def main_module():
    """A fresh `__main__`, so that pickle, multiprocessing and `if __name__ == '__main__'` work."""
    module = types.ModuleType("__main__")
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    sys.argv = [""]
    return module


def run_cell(code, namespace):
    """Executes code like a notebook cell; returns the value of a trailing expression."""
    linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)
    tree = ast.parse(code, filename=CELL)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, CELL, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), CELL, "eval"), namespace)


def print_user_traceback(error):
    """The traceback as a notebook shows it: from the cell down, without this module's frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb)


def exit_code_of(stop):
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def begin():
    """The program's fresh state, once: its RNGs, display(), and the `__main__` its cells share."""
    reseed()
    builtins.display = display
    sys.meta_path.insert(0, IPythonDisplay())
    sys.path.insert(0, WORKSPACE)
    return main_module()


def execute(code, module):
    """Runs one cell and shows its value and figures; returns its exit code (SystemExit's code,
    1 for an exception, 0 otherwise)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        value = run_cell(code, module.__dict__)
        if value is not None:
            send_bundle(b"R", value)
        send_open_figures()
        return 0
    except SystemExit as stop:
        return exit_code_of(stop)
    except BaseException as error:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second interrupt must not cut the traceback short
        claim = limit_hit(error)
        if claim:
            send(b"L", claim)  # first, while the evidence (the processes at the limit) is still there
        print_user_traceback(error)
        return 1
    finally:
        if os.getpid() == _channel_pid:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_session_cell(request, module):
    """A session's cell: its files, its stdin, then the code in the session's `__main__`; C ends it."""
    write_files(request.get("files", []))
    sys.stdin = io.StringIO(request.get("stdin", ""))
    exit_code = execute(request["code"], module)
    if os.getpid() != _channel_pid:
        os._exit(exit_code & 0xFF)  # a fork of the program ran off the end of the cell
    flush_output()
    send(b"C", b"ok" if exit_code == 0 else b"error")


def run(request, module):
    """Runs the program; returns the exit code, as `python3 cell.py` would end."""
    write_files(request.get("files", []))
    exit_code = execute(request["code"], module)
    if os.getpid() != _channel_pid:
        os._exit(exit_code & 0xFF)  # a fork of the program ran off the end of the cell
    try:
        threading._shutdown()  # as at interpreter exit: non-daemon threads are waited for
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    flush_output()
    return exit_code & 0xFF


def preload():
    """Imports the CodeLab stack and draws one throwaway plot, so that a checkpoint of this
    process answers its request without paying for imports. gc.freeze() keeps the collector off
    these objects, so that the program's own forks share their pages for longer."""
    import numpy, pandas  # noqa: F401
    import matplotlib.pyplot as pyplot
    pyplot.figure()
    pyplot.plot([0, 1])
    pyplot.savefig(io.BytesIO(), format="png")
    pyplot.close("all")
    mime_bundle(pandas.DataFrame({"a": [1]}))
    traceback.format_exc()
    gc.collect()
    gc.freeze()
    ctypes.CDLL(None).malloc_trim(0)  # free heap pages out of the image; the warm-up touches what a request needs
    copy_pages_not_chunks()


def copy_pages_not_chunks():
    """gVisor breaks copy-on-write in 2 MiB chunks, except in executable mappings, where it copies
    only the pages written. So a fork of this large heap would copy ~35 MB for the few pages
    CPython's refcounts touch; marking the preloaded heap executable makes it cost what it should."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    with open("/proc/self/maps") as maps:
        regions = [line.split()[:2] for line in maps]
    for span, perms in regions:
        if perms == "rw-p":
            start, end = (int(address, 16) for address in span.split("-"))
            libc.mprotect(start, end - start, PROT_READ | PROT_WRITE | PROT_EXEC)


def warm_up(fresh):
    """Touches the heap once after a restore, while the sandbox waits in the pool: restored memory
    faults in page by page, and the request should not pay for it. A fresh program (not a resumed
    session's) then walks the request's own path (start()'s calls, parse, compile and run a cell,
    look for figures, a mime bundle) with values that change nothing: a first touch of each page
    costs a fault trapped by the sentry."""
    gc.get_objects()
    if not fresh:
        return
    rehearse_start()
    compile(ast.parse(REHEARSAL_CELL, filename=CELL), CELL, "exec")  # never run
    run_cell("None", {"__builtins__": builtins})
    send_open_figures()
    json.dumps(mime_bundle(1))
