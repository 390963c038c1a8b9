"""In-sandbox runner: reads one execution request (a JSON line) on stdin, runs the code as a
notebook cell would, and reports on the frame channel (the original stdout).

Frame: 1 type byte, 4-byte big-endian length, payload. Types:
  O stdout bytes   E stderr bytes   F figure PNG   R result JSON   W files JSON   X exit JSON
  K warmed up (a restored runner, answering a warm-up line; before any request)
The user's fds 1 and 2 are pipes pumped into O/E frames, so child processes are captured too.
User code runs in this process and can corrupt its own frames; the service parses them
defensively, so that hurts nobody else.
"""
import ast
import base64
import io
import json
import os
import random
import resource
import select
import struct
import sys
import threading

WORKSPACE = "/workspace"
# Written to stderr by --preload once the stack is imported: the service then checkpoints this
# process. (stderr, because bytes written to stdout before a checkpoint resurface after restore.)
READY_MARKER = b"codelab-runner-ready\n"
RUNNER_PID = os.getpid()
PIPE_CAPACITY = 65536
_frames_fd = -1
_frames_lock = threading.Lock()


def send(kind, payload):
    if _frames_fd < 0 or os.getpid() != RUNNER_PID:
        return  # only the runner itself speaks for the run, not a child process of user code
    header = struct.pack(">cI", kind, len(payload))
    with _frames_lock:
        view = memoryview(header + payload)
        while view:
            view = view[os.write(_frames_fd, view):]


def send_json(kind, value):
    send(kind, json.dumps(value).encode())


def send_open_figures():
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    sync_output()
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        pyplot.figure(number).savefig(buffer, format="png")
        send(b"F", buffer.getvalue())
        pyplot.close(number)


class Pump:
    """Forwards one output pipe into frames. Reads happen under a lock so that sync() can
    tell nothing is in flight: output printed before a figure or result arrives before it."""

    def __init__(self, fd, kind):
        self.fd, self.kind, self.lock = fd, kind, threading.Lock()
        os.set_blocking(fd, False)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def drain(self):
        """Sends what the pipe holds; False once it is closed."""
        with self.lock:
            while True:
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    return True
                except OSError:
                    return False
                if not chunk:
                    return False
                send(self.kind, chunk)

    def run(self):
        while True:
            select.select([self.fd], [], [])
            if not self.drain():
                return


_pumps = []
_pipe_inputs = []


def sync_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    for pump in _pumps:
        pump.drain()


def open_channels():
    """The frame channel (a duplicate of the original stdout) and the output pipes with their
    pumps. A warm runner opens them before its checkpoint, so no request pays for new threads."""
    global _frames_fd
    _frames_fd = os.dup(1)
    os.set_inheritable(_frames_fd, False)
    for kind in (b"O", b"E"):
        read_end, write_end = os.pipe()
        _pumps.append(Pump(read_end, kind))
        _pipe_inputs.append(write_end)


def redirect_output():
    """Makes fds 1 and 2 the pumped pipes, for this process and every child it starts."""
    for target, write_end in zip((1, 2), _pipe_inputs):
        os.dup2(write_end, target)
        os.close(write_end)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0, closefd=False),
                                  encoding="utf-8", errors="backslashreplace", line_buffering=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0, closefd=False),
                                  encoding="utf-8", errors="backslashreplace", line_buffering=True)


def finish_output():
    """Closes this process's ends of the output pipes and drains them. Children that keep
    the pipes open (background processes) are not waited for."""
    sync_output()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    for pump in _pumps:
        pump.thread.join(timeout=0.2)
    sync_output()


def feed_stdin(data):
    read_end, write_end = os.pipe()
    os.dup2(read_end, 0)
    os.close(read_end)

    def write():
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        except OSError:
            pass
        finally:
            os.close(write_end)

    if len(data) <= PIPE_CAPACITY:
        write()  # fits in the pipe: no thread needed
    else:
        threading.Thread(target=write, daemon=True).start()
    sys.stdin = io.TextIOWrapper(os.fdopen(0, "rb", closefd=False), encoding="utf-8")


def write_input_files(files):
    for entry in files:
        path = os.path.join(WORKSPACE, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(entry["content"]))


def scan_workspace(max_depth):
    """Maps each regular file's relative path to its (size, mtime) without following links."""
    found, others = {}, []

    def walk(directory, depth):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            relative = os.path.relpath(entry.path, WORKSPACE)
            if entry.is_symlink():
                others.append((relative, "symlink"))
            elif entry.is_dir(follow_symlinks=False):
                if depth < max_depth:
                    walk(entry.path, depth + 1)
                else:
                    others.append((relative, "too deep"))
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                found[relative] = (info.st_size, info.st_mtime_ns, info.st_blocks)
            else:
                others.append((relative, "not a regular file"))

    walk(WORKSPACE, 1)
    return found, others


def collect_files(before, caps):
    after, others = scan_workspace(caps["maxDepth"])
    files, omitted, total = [], [], 0
    for path in sorted(after):
        size, mtime, blocks = after[path]
        previous = before.get(path)
        if previous is not None and previous[:2] == (size, mtime):
            continue
        if len(files) >= caps["maxCount"]:
            omitted.append({"path": path, "reason": "more than %d files" % caps["maxCount"]})
        elif size > caps["maxFileBytes"]:
            omitted.append({"path": path, "reason": "larger than %d bytes" % caps["maxFileBytes"]})
        elif blocks * 512 < size:
            omitted.append({"path": path, "reason": "sparse file"})
        elif total + size > caps["maxTotalBytes"]:
            omitted.append({"path": path, "reason": "files over %d bytes in total" % caps["maxTotalBytes"]})
        else:
            content = read_regular_file(os.path.join(WORKSPACE, path), size)
            if content is None:
                omitted.append({"path": path, "reason": "changed while read"})
                continue
            total += len(content)
            files.append({"path": path, "size": len(content), "encoding": "base64",
                          "content": base64.b64encode(content).decode()})
    for path, reason in others:
        if path not in before:
            omitted.append({"path": path, "reason": reason})
    return files, sorted(omitted, key=lambda entry: entry["path"])


def read_regular_file(path, size):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        content = handle.read(size + 1)
    return content if len(content) == size else None


def set_limits(limits):
    for name, value in (("RLIMIT_NPROC", limits["pids"]), ("RLIMIT_FSIZE", limits["fileBytes"]),
                        ("RLIMIT_NOFILE", limits["openFiles"]), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))


def reseed():
    """Restored sandboxes share their RNG state with their image; make each run's its own."""
    random.seed(os.urandom(32))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(int.from_bytes(os.urandom(4), "big"))


def limit_hit(error):
    """Names the limit behind an exception, if it is the visible face of one."""
    while error is not None:
        if isinstance(error, MemoryError):
            return "memory"
        if isinstance(error, BlockingIOError) or (
                isinstance(error, RuntimeError) and "can't start new thread" in str(error)):
            return "pids"
        error = error.__cause__ or error.__context__
    return None


def print_user_traceback(error):
    """Prints the traceback as a notebook does: from the cell down, without the runner's frames."""
    import traceback
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb)


def run_cell(code, namespace):
    """Executes code like a notebook cell; returns the value of a trailing expression."""
    tree = ast.parse(code, filename="<cell>")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


def describe(value):
    shown = {"text/plain": repr(value)}
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        try:
            rendered = html()
            if isinstance(rendered, str):
                shown["text/html"] = rendered
        except Exception:
            pass
    return shown


def execute(request):
    os.chdir(WORKSPACE)
    write_input_files(request.get("files", []))
    before, _ = scan_workspace(request["filesOut"]["maxDepth"])
    os.environ.update(request.get("env", {}))
    feed_stdin(request.get("stdin", "").encode())
    if _frames_fd < 0:
        open_channels()
    redirect_output()
    set_limits(request["limits"])
    reseed()
    sys.path.insert(0, WORKSPACE)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    exit_code, limit, value = 0, None, None
    try:
        value = run_cell(request["code"], namespace)
    except SystemExit as stop:
        exit_code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    except BaseException as error:
        if os.getpid() != RUNNER_PID:
            os._exit(1)
        print_user_traceback(error)
        exit_code, limit = 1, limit_hit(error)
    if os.getpid() != RUNNER_PID:
        os._exit(exit_code & 0xFF)
    try:
        sync_output()
        if value is not None:
            send_json(b"R", describe(value))
        send_open_figures()
    except BaseException:
        import traceback
        traceback.print_exc()
        exit_code = exit_code or 1
    finish_output()
    try:
        files, omitted = collect_files(before, request["filesOut"])
        send_json(b"W", {"files": files, "omitted": omitted})
    except BaseException as error:
        send_json(b"W", {"files": [], "omitted": [{"path": ".", "reason": type(error).__name__}]})
    send_json(b"X", {"exitCode": exit_code & 0xFF, "limit": limit})
    os._exit(exit_code & 0xFF)


def preload():
    """Imports the CodeLab stack and draws one throwaway plot, so that a checkpoint of this
    process answers its request without paying for imports; then says it is ready."""
    import numpy, pandas  # noqa: F401
    import matplotlib.pyplot as pyplot
    pyplot.figure()
    pyplot.plot([0, 1])
    pyplot.savefig(io.BytesIO(), format="png")
    pyplot.close("all")


def warm_up():
    """Touches the heap once after a restore, while the sandbox waits in the pool: restored memory
    faults in page by page, and the request should not pay for it."""
    scan_workspace(1)


def main():
    if "--preload" in sys.argv:
        preload()
        open_channels()
        os.write(2, READY_MARKER)
    for line in iter(sys.stdin.buffer.readline, b""):
        request = json.loads(line)
        if request.get("warmup"):
            warm_up()
            send(b"K", b"")
            continue
        execute(request)
        return


if __name__ == "__main__":
    sys.modules["codelab_runner"] = sys.modules["__main__"]
    main()
