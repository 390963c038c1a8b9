"""In-sandbox supervisor: the only process that speaks for the run, and it never runs user code.

At start it forks the program's process, which drops at once to an unprivileged uid (no
capabilities, its own seccomp filter, none of the supervisor's descriptors) and imports the stack;
a checkpoint takes both. It then reads one request (a JSON line) on stdin, hands it to the program,
and reports on the frame channel (its stdout) what the program printed and produced, checked
against the request's caps, and finally the exit status from its own waitpid.

Frame: 1 type byte, 4-byte big-endian length, payload. To the host:
  O stdout bytes   E stderr bytes   F figure PNG   R result bundle   D display bundle
  W files JSON     X exit JSON      K warmed up (answer to a warm-up line, before any request)
  T the program's display channel tried to pass the output budget (the payload is not sent)
A session sends one request per cell ({"cell": true, ...}) and may send {"interrupt": true} while a
cell runs; its X frame ends the cell, and the sandbox lives on for the next one.
The program sends F/R/D (and L, a limit it says it hit) on a channel of its own (fd 3), which the
supervisor reads as hostile input. The host checks everything again.

The supervisor runs as root inside the sandbox with only the capabilities it needs to drop into
the program's uid, end the program's processes and read the files it leaves (CAP_SETUID,
CAP_SETGID, CAP_SETPCAP, CAP_KILL, CAP_DAC_READ_SEARCH); it is PID 1 and not dumpable, so the
program can neither signal, trace nor open its descriptors.
"""

import ctypes
import json
import os
import selectors
import signal
import struct
import sys

import codelab_workspace

READY_MARKER = b"codelab-runner-ready\n"
USER_ID = 1000
PR_SET_DUMPABLE = 4
HEADER = struct.Struct(">cI")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIME_KEY_MAX = 100
# A request as the service writes it (values aside), for rehearse().
REQUEST_SHAPE = {"code": "print(1)", "stdin": "", "files": [{"path": "a.csv", "content": "eA=="}], "env": {"A": "b"},
                 "limits": {"pids": 64, "fileBytes": 1 << 20, "openFiles": 64, "outputBytes": 1 << 20},
                 "filesOut": {"maxDepth": 4, "maxCount": 64, "maxFileBytes": 1 << 20, "maxTotalBytes": 1 << 22},
                 "richOut": {"figures": 8, "figuresBytes": 1 << 22, "displays": 64, "frameBytes": 1 << 22},
                 "cell": False}
_libc = ctypes.CDLL(None, use_errno=True)


def send(kind, payload):
    view = memoryview(HEADER.pack(kind, len(payload)) + payload)
    while view:
        view = view[os.write(1, view):]


def send_json(kind, value):
    send(kind, json.dumps(value).encode())


class Budget:
    """The run's output budget (stdout, stderr, result, displays, figures together), kept here
    as the host keeps it, so that a flood stops at the source."""

    def __init__(self, total):
        self.left = total

    def take(self, size):
        """True if size fits; takes it either way."""
        self.left -= size
        return self.left >= 0


class OutputPipes:
    """The program's stdout and stderr, forwarded as O and E frames."""

    def __init__(self, program, budget):
        self.kinds = {program.stdout_read: b"O", program.stderr_read: b"E"}
        self.open = set(self.kinds)
        self.budget = budget
        for fd in self.kinds:
            os.set_blocking(fd, False)

    def forward(self, fd):
        """Sends what the pipe holds now; False once it is closed. Past the budget (which the
        host, counting the same bytes, sees too) what follows is read and dropped."""
        while fd in self.open:
            data = read_some(fd)
            if data is None:
                return True
            if not data:
                self.open.discard(fd)
                return False
            if self.budget.left >= 0:
                send(self.kinds[fd], data)
                self.budget.take(len(data))
        return False

    def flush(self):
        """Forwards everything printed so far: output comes before the display that follows it."""
        for fd in list(self.open):
            self.forward(fd)


class RichChannel:
    """Parses the program's frames (F, R, D, L; C ends a session's cell) and forwards the valid ones. Anything malformed
    ends the program: its channel is its own to break, but never the supervisor's."""

    def __init__(self, caps, budget, outputs, pids_limit, acks, cell):
        self.caps, self.budget, self.outputs, self.pids_limit, self.acks = caps, budget, outputs, pids_limit, acks
        self.kinds = b"FRDLC" if cell else b"FRDL"
        self.buffer = bytearray()
        self.figures = self.figure_bytes = self.displays = 0
        self.claim = None
        self.problem = None
        self.cell_failed = None  # a session's cell: whether it raised, once it is over
        self.skipping = 0  # bytes left of a frame past the budget, read and dropped

    def feed(self, data):
        """Consumes bytes; False once the channel is broken."""
        self.buffer += data
        while True:
            if self.skipping:
                dropped = min(self.skipping, len(self.buffer))
                del self.buffer[:dropped]
                self.skipping -= dropped
                if self.skipping:
                    return True
                self.acknowledge()
            if len(self.buffer) < HEADER.size:
                return True
            kind, length = HEADER.unpack_from(self.buffer)
            if kind not in self.kinds or length > self.caps["frameBytes"]:
                self.problem = "the program's display channel carried an invalid frame"
                return False
            if kind in b"FRD" and length > self.budget.left:
                if self.budget.left >= 0:
                    self.outputs.flush()
                    send(b"T", b"")  # past the budget: this payload, and what follows, is never sent
                    self.budget.left = -1
                del self.buffer[:HEADER.size]
                self.skipping = length
                continue
            if len(self.buffer) < HEADER.size + length:
                return True
            payload = bytes(self.buffer[HEADER.size:HEADER.size + length])
            del self.buffer[:HEADER.size + length]
            if not self.accept(kind, payload):
                return False
            self.acknowledge()

    def acknowledge(self):
        """One byte back: the program waits for it, so what it prints next comes after the frame.
        Never blocking: a program that does not read its acks only loses its own order."""
        try:
            os.write(self.acks, b"k")
        except OSError:
            pass

    def accept(self, kind, payload):
        if kind == b"C":
            self.outputs.flush()
            self.cell_failed = payload != b"ok"
            return True
        if kind == b"L":
            # A limit the program says it hit (MemoryError, EAGAIN from fork): kept only with
            # evidence, and it can only name why a failed run failed, never make it succeed.
            if payload == b"pids" and user_tasks() * 2 >= self.pids_limit:
                self.claim = "pids"
            elif payload == b"memory":
                self.claim = "memory"
            return True
        if kind == b"F":
            if not payload.startswith(PNG_MAGIC):
                self.problem = "the program sent a figure that is not a PNG"
                return False
            if self.figures >= self.caps["figures"] or self.figure_bytes + len(payload) > self.caps["figuresBytes"]:
                return True  # over the figure caps: dropped, as the host would
            self.figures += 1
            self.figure_bytes += len(payload)
        else:
            if not valid_bundle(payload):
                self.problem = "the program sent a display that is not a mime bundle"
                return False
            if kind == b"D":
                if self.displays >= self.caps["displays"]:
                    return True
                self.displays += 1
        self.outputs.flush()
        if not self.budget.take(len(payload)):
            return False
        send(kind, payload)
        return True


def valid_bundle(payload):
    """A JSON object of mime type to string (application/json: any JSON), text/plain present."""
    try:
        bundle = json.loads(payload)
    except ValueError:
        return False
    if not isinstance(bundle, dict) or not isinstance(bundle.get("text/plain"), str):
        return False
    for key, value in bundle.items():
        if len(key) > MIME_KEY_MAX or key.count("/") != 1 or not key.isascii() or not key.isprintable():
            return False
        if key != "application/json" and not isinstance(value, str):
            return False
    return True


class Program:
    """The user program: a process forked when the sandbox starts, before anything is imported,
    that drops to the program's uid at once, imports the stack (when preloading) and then waits
    for its request. A single-use sandbox never forks at request time, so nothing is copied on
    write (gVisor copies in 2 MiB units), and the supervisor stays a small interpreter."""

    def __init__(self, preload):
        self.stdin_read, self.stdin_write = os.pipe()
        self.stdout_read, stdout_write = os.pipe()
        self.stderr_read, stderr_write = os.pipe()
        self.rich_read, rich_write = os.pipe()
        request_read, self.request_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            exit_code = 70
            try:
                import codelab_program
                exit_code = codelab_program.serve(self.stdin_read, stdout_write, stderr_write, rich_write,
                                                  request_read, USER_ID, preload)
            finally:
                os._exit(exit_code)
        for fd in (self.stdin_read, stdout_write, stderr_write, rich_write, request_read):
            os.close(fd)
        self.status = None
        self.rich_open = True
        self.wake_read, wake_write = os.pipe()  # SIGCHLD wakes the supervisor's loop
        for fd in (self.wake_read, wake_write):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def close_display_channel(self):
        if self.rich_open:
            self.rich_open = False
            os.close(self.rich_read)
            os.close(self.request_write)  # the program waits for no more acks

    def tell(self, line):
        """Hands the program a request line (or a warm-up line); a program that is gone misses it."""
        os.set_blocking(self.request_write, True)
        view = memoryview(line)
        try:
            while view:
                view = view[os.write(self.request_write, view):]
        except OSError:
            pass

    def await_ready(self):
        """Waits for the program's K frame: it is ready (after preloading, or a warm-up)."""
        os.set_blocking(self.rich_read, True)
        header = read_exactly(self.rich_read, HEADER.size)
        return header == HEADER.pack(b"K", 0)

    def reap(self):
        """Collects every ended child (the supervisor is PID 1: orphans come to it)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.pid:
                self.status = status

    def end_everything(self):
        """SIGKILL to every process but this one, until none is left."""
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid == self.pid:
                self.status = status
        self.reap()

    def report(self):
        """The exit status, from waitpid: nothing the program wrote."""
        if self.status is None:
            return {"exitCode": None, "signal": None}
        if os.WIFSIGNALED(self.status):
            return {"exitCode": None, "signal": os.WTERMSIG(self.status)}
        return {"exitCode": os.WEXITSTATUS(self.status), "signal": None}


def read_exactly(fd, size):
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def user_tasks():
    """Threads of all the program's processes now: the evidence for a process-limit claim."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "0").split()[0]) == USER_ID:
            count += int(fields.get("Threads", "1"))
    return count


class HostLines:
    """Lines from the service on fd 0: requests, and interrupts while a session's cell runs."""

    def __init__(self):
        self.buffer = b""

    def next(self):
        """The next line, waiting for it; None once the service closed the channel."""
        os.set_blocking(0, True)
        while b"\n" not in self.buffer:
            data = os.read(0, 1 << 16)
            if not data:
                return None
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def ready(self):
        """The lines that have arrived, without waiting; None once the channel is closed."""
        os.set_blocking(0, False)
        data = read_some(0)
        if data == b"":
            return None
        self.buffer += data or b""
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        return lines


class Turn:
    """One request to the program: a whole run, or one cell of a session. Forwards its output and
    display frames until it is over, then sends the files it changed and the exit report."""

    def __init__(self, program, request, host, baseline):
        self.program, self.request, self.host, self.baseline = program, request, host, baseline
        self.cell = bool(request.get("cell"))
        self.budget = Budget(request["limits"]["outputBytes"])
        self.outputs = OutputPipes(program, self.budget)
        self.rich = RichChannel(request["richOut"], self.budget, self.outputs, request["limits"]["pids"],
                                program.request_write, self.cell)

    def run(self):
        """Sends W and X; returns the files baseline for the next cell, or None when the program
        is over (a run's end, or a session whose program died)."""
        program, selector = self.program, selectors.DefaultSelector()
        program.tell(json.dumps(self.request).encode() + b"\n")
        for fd in (program.rich_read, program.request_write):
            os.set_blocking(fd, False)
        for fd in (*self.outputs.open, program.wake_read) + ((program.rich_read,) if program.rich_open else ()):
            selector.register(fd, selectors.EVENT_READ)
        stdin_left = memoryview(b"" if self.cell else self.request.get("stdin", "").encode())
        if not self.cell:
            os.set_blocking(program.stdin_write, False)
            selector.register(program.stdin_write, selectors.EVENT_WRITE)
        if self.cell:
            selector.register(0, selectors.EVENT_READ)
        program.reap()
        while not self.over(selector):
            for key, _ in selector.select():
                fd = key.fd
                if fd == program.wake_read:
                    drain(fd)
                elif fd == 0:
                    self.host_says(selector)
                elif fd == program.stdin_write:
                    stdin_left = write_some(fd, stdin_left)
                    if not stdin_left:
                        selector.unregister(fd)
                        os.close(fd)
                elif fd == program.rich_read:
                    self.read_display_channel(selector)
                elif fd in self.outputs.kinds and not self.outputs.forward(fd):
                    selector.unregister(fd)
            if self.budget.left < 0 and not self.cell:
                program.end_everything()  # the host stops a run past its budget: nothing more to say
                return None
            program.reap()
            if program.status is not None:
                program.end_everything()  # the program is over: so is everything it started
        selector.close()
        self.outputs.flush()
        files, omitted, baseline = codelab_workspace.collect(self.request, self.baseline)
        send_json(b"W", {"files": files, "omitted": omitted})
        send_json(b"X", {**self.report(), "limit": self.rich.claim, "problem": self.rich.problem,
                         "ended": program.status is not None})
        return baseline if program.status is None else None

    def over(self, selector):
        if self.program.status is not None:
            return len(selector.get_map()) <= 1 + self.cell  # the program's pipes are drained to their end
        return self.cell and self.rich.cell_failed is not None

    def report(self):
        if self.program.status is None:  # a session's cell ended; the program lives on
            return {"exitCode": 1 if self.rich.cell_failed else 0, "signal": None}
        return self.program.report()

    def host_says(self, selector):
        lines = self.host.ready()
        if lines is None:
            selector.unregister(0)
            self.program.end_everything()  # the service is gone
            return
        if any(json.loads(line).get("interrupt") for line in lines if line.strip()):
            self.interrupt()

    def interrupt(self):
        """KeyboardInterrupt in the program's cell (a timeout, or output past its budget)."""
        try:
            os.kill(self.program.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def read_display_channel(self, selector):
        program = self.program
        data = read_some(program.rich_read)
        if data is None:
            return
        if not data or not self.rich.feed(data):
            selector.unregister(program.rich_read)  # a broken channel is closed: the program runs on without it
            program.close_display_channel()
            if self.cell and data:
                self.program.end_everything()  # a session cannot go on without its channel


def read_some(fd):
    """Bytes the pipe holds now; b"" at its end; None when nothing is there yet."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def write_some(fd, view):
    """What is left to write; empty when done or when the program closed its stdin."""
    try:
        return view[os.write(fd, view[:1 << 16]):]
    except BlockingIOError:
        return view
    except OSError:
        return view[:0]


def drain(fd):
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def rehearse(program):
    """Walks part of a request's path once after a restore (a selector, a workspace scan, a
    request's JSON both ways), so that its first touch of those pages is not on the request's path."""
    json.loads(json.dumps(REQUEST_SHAPE))
    selector = selectors.DefaultSelector()
    selector.register(program.wake_read, selectors.EVENT_READ)
    selector.select(0)
    selector.close()
    codelab_workspace.scan(1)


def main():
    sys.stdout = sys.stderr  # fd 1 is the frame channel: nothing else may write there
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    program = Program(preload="--preload" in sys.argv)
    if not program.await_ready():
        sys.exit("codelab-supervisor: the program did not start")
    if "--preload" in sys.argv:
        os.write(2, READY_MARKER)
    host = HostLines()
    baseline = None
    for line in iter(host.next, None):
        request = json.loads(line)
        if request.get("warmup"):
            program.tell(line + b"\n")
            if program.await_ready():
                rehearse(program)
                send(b"K", b"")
            continue
        baseline = Turn(program, request, host, baseline).run()
        if baseline is None:
            break
    os._exit(0)


if __name__ == "__main__":
    main()
