"""A kernel on the host for the tests: the real supervisor's message loop in this process (main
thread), the service played by two threads on pipes, and a program that is either a fake (a forked
child writing chosen bytes on its channels) or the real program jailed on the host (root only).
Process ending is codelab_jail.Processes, which off PID 1 only ever ends the program's own process
group: nothing here can kill(-1) on the host. Every directory the suite makes is under one root of
its own in the system's temporary directory, removed when the suite's process exits.
"""
import atexit
import json
import os
import shutil
import signal
import tempfile
import threading
import time

import codelab_frames
import codelab_host
import codelab_jail
import codelab_process
import codelab_supervisor
import codelab_workspace

RUNNER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runner")
PROTOCOL = os.path.join(os.path.dirname(RUNNER), "protocol")

CAPS = {"limits": {"pids": 4096, "fileBytes": 1 << 24, "openFiles": 256, "outputBytes": 1 << 20},
        "filesOut": {"maxDepth": 4, "maxCount": 64, "maxFileBytes": 1 << 20, "maxTotalBytes": 1 << 22},
        "richOut": {"figures": 8, "figuresBytes": 1 << 22, "displays": 64, "frameBytes": 1 << 22}}


def cell(cell_id, code="", keep=True, stdin="", files=(), env=None, workspace=None, **caps):
    message = {"type": "cell", "id": cell_id, "code": code, "stdin": stdin, "files": list(files),
               "env": env or {}, "keep": keep}
    if workspace is not None:
        message["workspace"] = {"list": False, "read": [], "delete": [], **workspace}
    for field, defaults in CAPS.items():
        message[field] = {**defaults, **caps.get(field, {})}
    return json.dumps(message).encode() + b"\n"


def interrupt(cell_id):
    return json.dumps({"type": "interrupt", "id": cell_id}).encode() + b"\n"


WARMUP = b'{"type": "warmup"}\n'
SUITE_ROOT = []  # the suite's own temporary directory, once made


def suite_root():
    if not SUITE_ROOT:
        SUITE_ROOT.append(tempfile.mkdtemp(prefix="codelab-tests-"))
        atexit.register(remove_suite_root, os.getpid(), SUITE_ROOT[0])
    return SUITE_ROOT[0]


def remove_suite_root(pid, path):
    if os.getpid() == pid:  # not a forked program running the exit functions it inherited (a run's end does)
        shutil.rmtree(path, ignore_errors=True)


def temp_dir(testcase=None, prefix="ws-"):
    """A new directory under the suite's root; removed at the test's cleanup when one is given, and
    in any case with the root."""
    path = tempfile.mkdtemp(prefix=prefix, dir=suite_root())
    if testcase is not None:
        testcase.addCleanup(shutil.rmtree, path, True)
    return path


# --- fake programs (run in a forked child: they must end with os._exit, which Program does) ---

def fake_enter(stdin_read, stdout_write, stderr_write, channel_write, request_read):
    """codelab_jail.enter without the privileges: the descriptors in place, every other closed, and
    a process group of its own (what the supervisor ends off PID 1)."""
    os.setpgid(0, 0)
    for fd, target in ((stdin_read, 0), (stdout_write, 1), (stderr_write, 2), (channel_write, 3),
                       (request_read, 4)):
        os.dup2(fd, target)
    os.closerange(5, 1 << 16)


class FakeChannel:
    """The program's end, byte by byte as a test wants it. Fd 4 is sorted as the real program's
    channel sorts it: ack bytes between lines, lines kept for later, so that waiting for an ack
    never takes a byte of the next request line (nor the reverse)."""

    def __init__(self):
        self.partial = b""  # a line being read
        self.lines = []
        self.acks = 0  # acks read and not yet waited for

    def frame(self, kind, payload=b""):
        self.raw(codelab_frames.program_frame(kind, payload))

    def raw(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(3, view):]

    def read(self):
        """One read of fd 4, sorted; False at its end."""
        data, start = os.read(4, 1 << 16), 0
        while start < len(data):
            if not self.partial and data[start] == codelab_frames.ACK[0]:
                self.acks += 1
                start += 1
                continue
            end = data.find(b"\n", start)
            if end < 0:
                self.partial += data[start:]
                break
            self.lines.append(self.partial + data[start:end])
            self.partial = b""
            start = end + 1
        return bool(data)

    def ack(self):
        """Waits for the next ack; b"k", or b"" once fd 4 has ended."""
        while not self.acks:
            if not self.read():
                return b""
        self.acks -= 1
        return codelab_frames.ACK

    def line(self):
        while not self.lines:
            if not self.read():
                return None
        return json.loads(self.lines.pop(0))


def fake(script, start=True):
    """A program body: enters, says K, then for each cell line says S (unless start is False: then
    the script says it, or not) and calls script(channel, message)."""
    def body(_preload, *fds):
        fake_enter(*fds)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a test that interrupts sets its own handler
        channel = FakeChannel()
        channel.frame(b"K")
        while True:
            message = channel.line()
            if message is None:
                return 0
            if message.get("type") == "warmup":
                channel.frame(b"K")
                continue
            if start:
                channel.frame(b"S")
            code = script(channel, message)
            if code is not None:
                return code
    return body


def real_program(workspace):
    """The real program on the host, with its workspace in a temporary dir: its descriptors set as
    codelab_jail.enter sets them, but no privilege dropped (the host's python may not be readable
    by uid 1000; the jail itself is tested in a real sandbox by test_transcripts)."""
    def body(preload, stdin_read, stdout_write, stderr_write, channel_write, request_read):
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd, target in ((stdin_read, 0), (null, 1), (null, 2), (channel_write, codelab_jail.CHANNEL_FD),
                           (request_read, codelab_jail.REQUEST_FD), (stdout_write, codelab_jail.STDOUT_FD),
                           (stderr_write, codelab_jail.STDERR_FD)):
            os.dup2(fd, target)
        os.closerange(codelab_jail.STDERR_FD + 1, 1 << 16)
        codelab_jail.entered = True
        import codelab_program
        return codelab_program.serve(preload, workspace)
    return body


# --- the service's side ---

class Frames:
    """What the supervisor sent, parsed as it arrives; waits for a frame."""

    def __init__(self, fd):
        self.fd, self.data, self.list = fd, bytearray(), []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        while True:
            chunk = os.read(self.fd, 1 << 16)
            with self.changed:
                if not chunk:
                    self.list.append(("EOF", 0, b""))
                    self.changed.notify_all()
                    return
                self.data += chunk
                frames = codelab_frames.read_host_frames(self.data)
                complete = [f for f in frames if f[0] is not None]
                consumed = sum(codelab_frames.HOST_HEADER.size + len(f[2]) for f in complete)
                del self.data[:consumed]
                self.list.extend(complete)
                self.changed.notify_all()

    def has(self, kind, cell=None):
        with self.changed:
            return any(f[0] == kind and (cell is None or f[1] == cell) for f in self.list)

    def wait(self, kind, cell=None, timeout=10):
        """Until a frame of that kind, or of those kinds, (and cell) has come; True if it did."""
        kinds = (kind,) if isinstance(kind, bytes) else tuple(kind)
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(f[0] in kinds and (cell is None or f[1] == cell) for f in self.list):
                left = deadline - time.monotonic()
                if left <= 0 or any(f[0] == "EOF" for f in self.list):
                    return False
                self.changed.wait(left)
            return True


class Kernel:
    """One supervisor and its program on the host. run(steps): each step is bytes to write on
    the supervisor's stdin, ("wait", kind, cell) for a frame, ("until", predicate) until
    predicate(frames) is true, ("sleep", seconds), or ("signal", number) to the program; stdin is
    then closed (the supervisor's only end) and run() returns the frames."""

    def __init__(self, body, preload=False, workspace=None, max_line=codelab_host.MAX_LINE, timeout=20):
        self.own_workspace = workspace is None
        self.workspace = workspace or temp_dir()
        os.chmod(self.workspace, 0o1777)
        self.timeout = timeout
        self.processes = codelab_jail.Processes()
        try:
            self.program = codelab_process.Program(preload, self.processes, body=body)
        except BaseException:
            self.remove_workspace()
            raise
        if not self.program.await_ready():
            self.program.end_all()
            self.program.close()
            self.remove_workspace()
            raise AssertionError("the program did not start")
        self.in_read, self.in_write = os.pipe()
        self.out_read, self.out_write = os.pipe()
        self.host = codelab_host.Host(self.in_read, self.out_write, max_line=max_line)
        self.supervisor = codelab_supervisor.Supervisor(self.host, self.program,
                                                        codelab_workspace.Workspace(self.workspace))
        self.frames = Frames(self.out_read)
        self.failures = []

    def run(self, steps):
        writer = threading.Thread(target=self.write, args=(steps,), daemon=True)
        writer.start()
        try:
            self.supervisor.serve()
        finally:
            os.close(self.out_write)
            os.close(self.in_read)  # a writer still writing gets EPIPE
            self.frames.thread.join(self.timeout)
            writer.join(self.timeout)
            self.program.end_all()
            self.program.close()
            os.close(self.out_read)
            self.remove_workspace()
        if self.failures:
            raise AssertionError(self.failures[0])
        return [f for f in self.frames.list if f[0] != "EOF"]

    def remove_workspace(self):
        if self.own_workspace:
            shutil.rmtree(self.workspace, ignore_errors=True)

    def write(self, steps):
        deadline = time.monotonic() + self.timeout
        try:
            for step in steps:
                if isinstance(step, (bytes, bytearray)):
                    view = memoryview(step)
                    while view:
                        view = view[os.write(self.in_write, view):]
                elif step[0] == "wait":
                    if not self.frames.wait(step[1], step[2] if len(step) > 2 else None,
                                            max(0.1, deadline - time.monotonic())):
                        self.failures.append("no %r frame for cell %r" % (step[1], step[2:]))
                        break
                elif step[0] == "until":
                    while not step[1](self.frames):
                        if time.monotonic() > deadline:
                            self.failures.append("waited in vain for %r" % (step[1],))
                            break
                        time.sleep(0.01)
                    if self.failures:
                        break
                elif step[0] == "sleep":
                    time.sleep(step[1])
                elif step[0] == "signal":  # to the program's process
                    os.kill(self.program.pid, step[1])
        except BrokenPipeError:
            pass  # the supervisor is gone (a kernel that ended): what it did not read is not owed an answer
        except OSError as error:
            self.failures.append("writing to the supervisor: %s" % error)
        finally:
            os.close(self.in_write)


def by_cell(frames, cell_id):
    return [(kind, payload) for kind, cid, payload in frames if cid == cell_id]


def exit_of(frames, cell_id):
    ends = [json.loads(payload) for kind, cid, payload in frames if kind == b"X" and cid == cell_id]
    assert len(ends) == 1, "cell %d: %d X frames" % (cell_id, len(ends))
    return ends[0]


def text_of(frames, cell_id, kind=b"O"):
    return b"".join(payload for k, cid, payload in frames if k == kind and cid == cell_id).decode("utf-8", "replace")


def error_of(frames, cell_id):
    """The cell's error (its V frame, parsed), or None."""
    errors = [json.loads(payload) for kind, cid, payload in frames if kind == b"V" and cid == cell_id]
    assert len(errors) <= 1, "cell %d: %d V frames" % (cell_id, len(errors))
    return errors[0] if errors else None


def traceback_of(frames, cell_id):
    """The cell's error as Python prints it (its traceback's lines), or ""."""
    error = error_of(frames, cell_id)
    return "".join(line + "\n" for line in error["traceback"]) if error else ""


def check_order(testcase, frames, cell_id, started=None):
    """The spec's order for one cell: S (a cell whose code ran; started, when not None, says whether
    it must be there), output and display frames only after it, then C, then W, then X, once each."""
    kinds = [kind for kind, _ in by_cell(frames, cell_id)]
    if started is not None:
        testcase.assertEqual(kinds[:1] == [b"S"], started, kinds)
    testcase.assertLessEqual(kinds.count(b"S"), 1, kinds)
    if kinds[:1] == [b"S"]:
        kinds = kinds[1:]
    else:
        testcase.assertEqual(kinds, [b"C", b"W", b"X"], kinds)  # no S: nothing of the cell's
    testcase.assertEqual(kinds[-3:], [b"C", b"W", b"X"], kinds)
    testcase.assertEqual(kinds.count(b"C"), 1, kinds)
    testcase.assertEqual(kinds.count(b"X"), 1, kinds)
    testcase.assertTrue(all(kind in b"OEFRDUBVT" for kind in kinds[:-3]), kinds)
    testcase.assertLessEqual(kinds.count(b"R"), 1, kinds)
