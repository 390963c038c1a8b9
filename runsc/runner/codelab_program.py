"""The user program's side, in the process the supervisor forks (already jailed by codelab_jail):
it runs each cell as the real `__main__` module, as `python3 cell.py` would, with the notebook's
extras: rich output (codelab_display), notebook syntax (codelab_magics), errors as a notebook
shows them (codelab_errors). A run is a kernel with one cell, after which the program exits; a
session's program lives on between cells. Nothing here is trusted by the supervisor, and nothing
here may end the program but the user's own code: a failure of this machinery (an input file that
cannot be written, a broken stream) is reported as a problem (P) and the kernel goes on.
"""
import atexit
import builtins
import ctypes
import gc
import io
import json
import linecache
import os
import random
import signal
import struct
import sys
import threading
import traceback
import types

import codelab_channel
import codelab_display
import codelab_errors
import codelab_frames
import codelab_imports
import codelab_jail
import codelab_magics
from codelab_jail import STDERR_FD, STDOUT_FD

WORKSPACE = "/workspace"
CELL = "<cell>"
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
PARTIAL_SECONDS = 0.1
EX_SOFTWARE = 70  # the program's channel is gone: it cannot report a cell's end

interrupts = codelab_channel.interrupts


def serve(preload_stack, workspace=WORKSPACE):
    """The program's process from its jail to its end: preloads, says it is ready (K), then answers
    warm-up lines and runs cells; returns the exit code."""
    interrupts.owner = os.getpid()
    signal.signal(signal.SIGINT, interrupts.handler)
    channel = codelab_channel.Channel()
    codelab_display.channel = channel
    if preload_stack:
        preload()
    channel.send(b"K", ack=False)
    return Kernel(channel, workspace).serve()


class Kernel:
    """The program's state across cells: its `__main__`, and whether its stage is set."""

    def __init__(self, channel, workspace):
        self.channel, self.workspace = channel, workspace
        self.module = None
        self.started = False

    def serve(self):
        while True:
            line = self.channel.next_line()
            if line is None:
                return 0
            try:
                message = json.loads(line)
                kind = message.get("type")
            except Exception:
                continue  # the supervisor hands on only what it checked
            if kind == "warmup":
                self.warm_up()
            elif kind == "cell":
                code = self.cell(message)
                if not message.get("keep"):
                    return code

    def warm_up(self):
        import codelab_warmup
        try:
            codelab_warmup.program(fresh=self.module is None, workspace=self.workspace)
            # A restored sandbox's own state (new RNG seeds, __main__) is made while it waits in the
            # pool, off its request's path; a resumed session keeps the one it has.
            self.module = self.module or begin(self.workspace)
        except Exception:
            pass  # a rehearsal is an optimisation: the program is ready all the same
        self.channel.send(b"K", ack=False)

    def cell(self, message):
        """One cell, ended by C (a session) or by the program's exit code (a run). Never raises.
        Its code runs only once its stage is set; S says so, and a cell that never runs has none."""
        keep = bool(message.get("keep"))
        try:
            problem = self.prepare(message)
        except BaseException as error:
            problem = machinery(error)
        if problem is None:
            outcome = execute(message["code"], self.module, self.channel)
        else:
            self.tell_problem(problem)
            outcome = 1
        if os.getpid() != interrupts.owner:
            os._exit(exit_code(outcome) & 0xFF)  # a fork of the program ran off the end of the cell
        if keep:
            if problem is None:
                flush_output()  # (without S the supervisor reads no output: what a thread left waits)
            self.end_session_cell(outcome)
            return 0
        return finish_run(outcome)

    def prepare(self, message):
        """The cell's stage: input files (the first cell's before its rlimits: they are the
        service's files, not the user's writes), then once the rlimits, streams, cwd and
        environment; then the cell's stdin. The problem, if its input files cannot be written."""
        codelab_display.frame_bytes = message["richOut"]["frameBytes"]
        problem = write_files(message["files"], self.workspace)
        first = not self.started
        if first:
            self.started = True
            start(message, self.workspace)
        self.module = self.module or begin(self.workspace)
        # A run's stdin is the pipe the supervisor feeds (closed after it); a session's cell reads its own.
        sys.stdin = input_stream() if first and not message["keep"] else io.StringIO(message["stdin"])
        return problem

    def tell_problem(self, problem):
        try:
            self.channel.send(b"P", codelab_frames.printable_text(problem).encode("utf-8", "replace"))
        except OSError:
            pass

    def end_session_cell(self, outcome):
        word = {0: b"ok", 1: b"error"}.get(outcome) if isinstance(outcome, int) else None
        if isinstance(outcome, tuple):
            word = b"exit:%d" % (outcome[1] & 0xFF)
        try:
            self.channel.send(b"C", word or b"error")
        except OSError:
            os._exit(EX_SOFTWARE)  # the channel is gone (the user's code closed it): the session cannot go on


def machinery(error):
    """A problem outside the user's code, named by its exception."""
    try:
        text = str(error)
    except Exception:
        text = "?"
    return "the program's machinery failed: %s: %s" % (type(error).__name__, text)


def start(message, workspace):
    """Sets the program's stage once: rlimits, output pipes, cwd, environment, streams."""
    codelab_jail.set_rlimits(message["limits"])
    for fd, target in ((STDOUT_FD, 1), (STDERR_FD, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(workspace)
    os.environ.update(message["env"])
    sys.stdout = output_stream(1)
    sys.stderr = output_stream(2)


def input_stream():
    """A run's stdin, as text: the pipe the supervisor feeds."""
    return io.TextIOWrapper(os.fdopen(0, "rb", closefd=False), encoding="utf-8")


def output_stream(fd):
    """A cell's stdout or stderr: line by line, as a terminal shows it, never failing on a byte."""
    return OutputStream(os.fdopen(fd, "wb", buffering=0, closefd=False), encoding="utf-8",
                        errors="backslashreplace", line_buffering=True)


class OutputStream(io.TextIOWrapper):
    """A partial line (`print('.', end='')`) is shown within PARTIAL_SECONDS, as Jupyter flushes:
    a write that leaves one arms a timer (one at a time) that flushes it."""

    timer = None

    def write(self, text):
        written = super().write(text)
        if self.timer is None and not text.endswith("\n"):
            timer = threading.Timer(PARTIAL_SECONDS, self.flush_partial)
            timer.daemon = True
            self.timer = timer
            timer.start()
        return written

    def flush_partial(self):
        self.timer = None
        try:
            self.flush()
        except (OSError, ValueError):
            pass  # the pipe is gone or the stream closed: nothing to show it to


def write_files(files, root):
    """The cell's input files; the first that cannot be written is the cell's problem (and the
    cell does not run): a name that is a directory, a parent that is a file, a full disk."""
    for entry in files:
        path = entry["path"]
        try:
            content = codelab_frames.decode_content(entry["content"])
            target = os.path.join(root, path)
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            except FileExistsError:
                return "input file '%s': Not a directory" % codelab_frames.shown_path(path)  # a parent is a file
            with open(target, "wb") as out:
                out.write(content)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            return "input file '%s': %s" % (codelab_frames.shown_path(path), reason)
    return None


def flush_output():
    codelab_display.flush_output()


def reseed():
    """Restored sandboxes share their image's RNG state: each run gets a full state of its own."""
    words = struct.unpack("624I", os.urandom(624 * 4))
    random.setstate((3, words + (624,), None))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.set_state(("MT19937", numpy.frombuffer(os.urandom(624 * 4), dtype=numpy.uint32), 624))


def limit_hit(error):
    """Names the limit behind an exception, if it is the visible face of one."""
    seen = 0
    while error is not None and seen < 100:
        if isinstance(error, MemoryError):
            return b"memory"
        if isinstance(error, BlockingIOError) or (
                isinstance(error, RuntimeError) and "can't start new thread" in str(error)):
            return b"pids"
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def main_module():
    """A fresh `__main__`, so that pickle, multiprocessing and `if __name__ == '__main__'` work."""
    module = types.ModuleType("__main__")
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    sys.argv = [""]
    return module


def begin(workspace=WORKSPACE):
    """The program's fresh state, once: its RNGs, display(), and the `__main__` its cells share."""
    reseed()
    builtins.display = codelab_display.display
    codelab_imports.install()
    sys.path.insert(0, workspace)
    return main_module()


def run_cell(code, namespace):
    """Executes code like a notebook cell; returns the value to show (a trailing expression's)."""
    linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)
    return codelab_magics.run_cell(code, namespace)


def exit_code_of(stop):
    code = stop.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def execute(code, module, channel):
    """Runs one cell and shows its value and figures: 0 if it returned, 1 if it raised, ("exit", N)
    if it raised SystemExit(N). Never raises: an interrupt is the cell's KeyboardInterrupt."""
    try:
        signal.signal(signal.SIGINT, interrupts.handler)  # the user's own handler lasts one cell
        try:
            try:
                channel.start()  # S: the cell's clock starts; its interrupts come from here
            except OSError:
                pass  # the channel is gone: a run goes on without it (a session's program is being ended)
            interrupts.allow(True)  # an interrupt that came since S is raised here
            value = run_cell(code, module.__dict__)
            if value is not None:
                codelab_display.show_result(value)
            codelab_display.send_open_figures()
            interrupts.allow(False)
            return 0
        except SystemExit as stop:
            interrupts.allow(False)
            return ("exit", exit_code_of(stop))
        except BaseException as error:
            interrupts.allow(False)  # a second interrupt must not cut the traceback short
            claim = limit_hit(error)
            if claim:
                try:
                    codelab_display.send(b"L", claim)  # first, while the evidence is still there
                except OSError:
                    pass
            codelab_errors.report(error)
            return 1
        finally:
            interrupts.allowed = False
            signal.signal(signal.SIGINT, interrupts.handler)
    except BaseException as error:  # at the very edge of the cell: still the cell's
        interrupts.allowed = False
        try:
            traceback.print_exception(type(error), error, None)
        except BaseException:
            pass
        return 1


def exit_code(outcome):
    return outcome[1] if isinstance(outcome, tuple) else outcome


def finish_run(outcome):
    """A run's end, as `python3 cell.py` would end: threads joined, atexit run; the exit code."""
    code = exit_code(outcome)
    try:
        threading._shutdown()  # as at interpreter exit: non-daemon threads are waited for
        atexit._run_exitfuncs()
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    flush_output()
    return code & 0xFF


def preload():
    """Imports the CodeLab stack, pandas' plotting backend (the first DataFrame.plot's import) and
    the warm profile's modules (`--preload=scipy.stats,seaborn`), and draws one throwaway plot, so
    that a checkpoint of this process answers its request without paying for imports. gc.freeze()
    keeps the collector off these objects, so that the program's own forks share their pages for longer."""
    import importlib
    import numpy, pandas  # noqa: F401
    import matplotlib.pyplot as pyplot
    import pandas.plotting._matplotlib  # noqa: F401
    for arg in sys.argv[1:]:
        if arg.startswith("--preload="):
            for name in filter(None, arg.split("=", 1)[1].split(",")):
                importlib.import_module(name)
    pyplot.figure()
    pyplot.plot([0, 1])
    pyplot.savefig(io.BytesIO(), format="png")
    pyplot.close("all")
    codelab_display.mime_bundle(pandas.DataFrame({"a": [1]}))
    traceback.format_exc()
    import codelab_warmup  # noqa: F401 (in the image, not loaded at the first warm-up)
    import codelab_capture  # noqa: F401
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
