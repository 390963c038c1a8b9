"""In-sandbox supervisor (runsc/PROTOCOL.md): the only process that speaks for the kernel, and it
never runs user code. PID 1 of the sandbox, root with five capabilities, not dumpable.

At start it forks the program (codelab_program, jailed by codelab_jail before it imports anything
of its own); a checkpoint takes both. It then serves the service's messages on stdin (warmup, cell,
interrupt) and answers with frames on stdout: for each cell its output, display frames checked
against the cell's caps, C when the code is over, W (the files, off the cell's clock) and X (from
its own waitpid, or the program's word for a session's cell). Nothing it reads ends it, on any
channel: an unusable host line is refused with P, a program that breaks its display channel
loses it, a failure of its own ends the cell with a problem. Only the end of stdin ends it, and
the end of a run (a kernel of one `keep: false` cell), after its X.
"""
import collections
import json
import os
import select
import selectors
import signal
import sys
import time

import codelab_frames
import codelab_jail
import codelab_warmup
import codelab_workspace

READY_MARKER = b"codelab-runner-ready\n"
MAX_LINE = 48 << 20  # a host line longer than this is refused and skipped to its newline
READ_SIZE = 1 << 16
MAX_REFUSALS = 16  # P frames held back while a cell runs
DRAIN_SECONDS = 5.0  # after a run's processes are ended, how long their pipes may take to close
WARMUP_FRAME_MAX = 1 << 22  # a stray frame of a session's thread met during a warm-up


class HostGone(Exception):
    """The service no longer reads the frames: nothing is left to say."""


def exit_report(exit_code=None, signal_number=None, limit=None, problem=None, ended=False):
    return {"exitCode": exit_code, "signal": signal_number, "limit": limit, "problem": problem, "ended": ended}


class Host:
    """The service's end: lines in on fd_in (each at most MAX_LINE bytes: past it a refusal, and
    the rest up to the next newline skipped), frames out on fd_out."""

    def __init__(self, fd_in=0, fd_out=1, max_line=MAX_LINE):
        self.fd_in, self.fd_out, self.max_line = fd_in, fd_out, max_line
        self.partial = bytearray()
        self.skipping = False
        self.items = collections.deque()  # bytes (a line) or str (a refusal's reason)
        self.ended = False
        os.set_blocking(fd_in, False)

    def fill(self):
        """Takes what fd_in holds now; False once it has ended."""
        if self.ended:
            return False
        try:
            data = os.read(self.fd_in, 1 << 20)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self.ended = True
            return False
        self.split(data)
        return True

    def wait(self):
        """Waits for at least one item; False once fd_in has ended and nothing is left."""
        while not self.items:
            if self.ended:
                return False
            select.select([self.fd_in], [], [])
            self.fill()
        return True

    def split(self, data):
        view, start = memoryview(data), 0
        while start < len(data):
            end = data.find(b"\n", start)
            if self.skipping:
                if end < 0:
                    return
                self.skipping = False
                start = end + 1
                continue
            stop = len(data) if end < 0 else end
            if len(self.partial) + stop - start > self.max_line:
                self.partial.clear()
                self.items.append("line over %d bytes" % self.max_line)
                self.skipping = end < 0
                start = len(data) if end < 0 else end + 1
                continue
            if end < 0:
                self.partial += view[start:]
                return
            self.items.append(bytes(self.partial) + bytes(view[start:end]) if self.partial else bytes(view[start:end]))
            self.partial.clear()
            start = end + 1

    def send(self, kind, cell, payload=b""):
        view = memoryview(codelab_frames.host_frame(kind, cell, payload))
        try:
            while view:
                view = view[os.write(self.fd_out, view):]
        except OSError:
            raise HostGone() from None

    def send_json(self, kind, cell, value):
        self.send(kind, cell, json.dumps(value).encode())


def parse_line(line):
    """A host line as a message, or the reason it cannot be used (a str)."""
    try:
        message = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except (ValueError, RecursionError):
        return "not JSON"
    except MemoryError:
        return "too large to read"
    return codelab_frames.message_problem(message) or message


class Program:
    """The user program: forked when the sandbox starts, before anything is imported, jailed at
    once, then (when preloading) importing the stack and waiting for its first cell. A single-use
    sandbox never forks at request time, so nothing is copied on write, and the supervisor stays a
    small interpreter. `body` replaces the program in tests (a forked fake)."""

    def __init__(self, preload, processes, body=None):
        self.processes = processes
        self.stdin_read, self.stdin_write = os.pipe()
        self.stdout_read, stdout_write = os.pipe()
        self.stderr_read, stderr_write = os.pipe()
        self.channel_read, channel_write = os.pipe()
        request_read, self.request_write = os.pipe()
        fds = (self.stdin_read, stdout_write, stderr_write, channel_write, request_read)
        self.pid = os.fork()
        if self.pid == 0:
            code = 70
            try:
                code = (body or run_program)(preload, *fds)
            except BaseException as error:
                last_word(error)
            finally:
                os._exit(code if isinstance(code, int) else 70)
        for fd in fds:
            os.close(fd)
        processes.started(self.pid)
        self.outputs_open = {self.stdout_read, self.stderr_read}
        self.channel_open = self.stdin_open = True
        self.line = memoryview(b"")  # the request line still to write
        self.acks_owed = 0  # acks held back while a line is being written
        for fd in (self.stdout_read, self.stderr_read, self.channel_read, self.request_write, self.stdin_write):
            os.set_blocking(fd, False)
        self.wake_read, self.wake_write = os.pipe()  # SIGCHLD wakes the supervisor's loops
        for fd in (self.wake_read, self.wake_write):
            os.set_blocking(fd, False)
        self.old_wakeup = signal.set_wakeup_fd(self.wake_write)
        self.old_sigchld = signal.signal(signal.SIGCHLD, lambda *_: None)
        self.reader = ChannelReader()

    @property
    def status(self):
        return self.processes.statuses.get(self.pid)

    def reap(self):
        self.processes.reap()
        return self.status

    def end_all(self):
        """Every process of the program ends (PID 1: kill(-1)); its status is collected."""
        self.processes.end_all(self.pid)

    def await_ready(self):
        """Waits for the program's first K frame (blocking: the sandbox is starting)."""
        header = b""
        os.set_blocking(self.channel_read, True)
        try:
            while len(header) < codelab_frames.PROGRAM_HEADER.size:
                chunk = os.read(self.channel_read, codelab_frames.PROGRAM_HEADER.size - len(header))
                if not chunk:
                    break
                header += chunk
        finally:
            os.set_blocking(self.channel_read, False)
        return header == codelab_frames.program_frame(b"K")

    def tell(self, line):
        """Queues a line for the program (written as its pipe takes it)."""
        self.line = memoryview(line + b"\n")
        self.write_line()

    def write_line(self):
        """Writes what the pipe takes of the line; True once it is all written (or cannot be)."""
        if self.line and self.channel_open:
            try:
                self.line = self.line[os.write(self.request_write, self.line[:1 << 16]):]
            except BlockingIOError:
                return False
            except OSError:
                self.line = memoryview(b"")
        else:
            self.line = memoryview(b"")
        if not self.line and self.acks_owed:
            owed, self.acks_owed = self.acks_owed, 0
            for _ in range(owed):
                self.ack()
        return not self.line

    def ack(self):
        """One byte back per frame: the program waits for it, so what it prints next comes after
        the frame. Never inside a line; never blocking (a program that does not read its acks only
        loses its own order)."""
        if self.line:
            self.acks_owed += 1
            return
        if self.channel_open:
            try:
                os.write(self.request_write, codelab_frames.ACK)
            except OSError:
                pass

    def close_channel(self):
        """A broken display channel is closed: the program waits for no more acks, and gets no
        more lines (a run goes on without it; a session cannot)."""
        if self.channel_open:
            self.channel_open = False
            self.line = memoryview(b"")
            for fd in (self.channel_read, self.request_write):
                os.close(fd)

    def close_stdin(self):
        if self.stdin_open:
            self.stdin_open = False
            os.close(self.stdin_write)

    def interrupt(self):
        """KeyboardInterrupt in the program's cell."""
        try:
            os.kill(self.pid, signal.SIGINT)
        except OSError:
            pass

    def close(self):
        """Gives back the process's signal set-up (for tests that make many)."""
        signal.set_wakeup_fd(self.old_wakeup)
        signal.signal(signal.SIGCHLD, self.old_sigchld)
        for fd in (self.wake_read, self.wake_write, self.stdout_read, self.stderr_read, self.stdin_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self.close_stdin()
        self.close_channel()


def run_program(preload, stdin_read, stdout_write, stderr_write, channel_write, request_read):
    """The real program, in the forked child: jailed first, then the program's own modules."""
    codelab_jail.enter(stdin_read, stdout_write, stderr_write, channel_write, request_read)
    import codelab_program
    return codelab_program.serve(preload)


def last_word(error):
    """The program's machinery failed outside any cell's care: a P frame says what, if it can."""
    if not codelab_jail.entered:
        return
    try:
        text = "the program's machinery failed: %s: %s" % (type(error).__name__, error)
        os.write(codelab_jail.CHANNEL_FD, codelab_frames.program_frame(b"P", codelab_frames.cut_utf8(text)))
    except BaseException:
        pass


class ChannelReader:
    """The program's display channel as frames. It outlives a cell: bytes a session's thread
    sends after its cell's C belong to the next cell, and a frame being skipped goes on being
    skipped. Its buffer holds at most one frame of the cell's frameBytes, plus one read."""

    def __init__(self):
        self.buffer = bytearray()
        self.skipping = None  # bytes left of a frame read and dropped (0: its ack is due)

    def pump(self, handler):
        """Hands complete frames to handler until it is over; a problem (str) when the channel
        is broken, else None."""
        header = codelab_frames.PROGRAM_HEADER
        while not handler.over():
            if self.skipping is not None:
                dropped = min(self.skipping, len(self.buffer))
                del self.buffer[:dropped]
                self.skipping -= dropped
                if self.skipping:
                    return None
                self.skipping = None
                handler.ack()
                continue
            if len(self.buffer) < header.size:
                return None
            kind, length = header.unpack_from(self.buffer)
            verdict = handler.header(kind, length)
            if verdict == "skip":
                del self.buffer[:header.size]
                self.skipping = length
                continue
            if verdict is not None:
                return verdict
            if len(self.buffer) < header.size + length:
                return None
            payload = bytes(self.buffer[header.size:header.size + length])
            del self.buffer[:header.size + length]
            problem = handler.frame(kind, payload)
            if problem is not None:
                return problem
        return None


class Budget:
    """The cell's output budget (stdout, stderr, result, displays, figures together), kept here
    as the host keeps it, so that a flood stops at the source."""

    def __init__(self, total):
        self.left = total

    def take(self, size):
        self.left -= size
        return self.left >= 0


C_WORDS = {b"ok": 0, b"error": 1}


def c_outcome(payload):
    """The program's C payload as an exit code (ok, error, exit:N with N in 0..255), or None."""
    if payload in C_WORDS:
        return C_WORDS[payload]
    if payload.startswith(b"exit:"):
        digits = payload[5:]
        if digits.isdigit() and len(digits) <= 3 and (digits == b"0" or not digits.startswith(b"0")):
            if int(digits) <= 255:
                return int(digits)
    return None


class Turn:
    """One cell: its line to the program, its output and display frames until its code is over
    (C), then the files (W) and the end (X). Any failure of its own ends the cell with a problem."""

    def __init__(self, supervisor, message, line, inputs, first):
        self.supervisor, self.host, self.program = supervisor, supervisor.host, supervisor.program
        self.message, self.line, self.inputs = message, line, inputs
        self.cell, self.keep = message["id"], message["keep"]
        self.caps = message["richOut"]
        self.budget = Budget(message["limits"]["outputBytes"])
        self.stdin = memoryview(message["stdin"].encode("utf-8", "surrogatepass") if first and not self.keep else b"")
        self.code_over = False
        self.ending = False  # the supervisor ends the program (the end of stdin)
        self.outcome = None  # a session's cell: the program's C as an exit code
        self.problem = self.claim = None
        self.result_sent = False
        self.figures = self.figure_bytes = self.displays = 0

    # --- the cell ---

    def run(self):
        """Sends the cell's frames, C, W and X."""
        try:
            self.run_code()
        except HostGone:
            raise
        except BaseException as error:
            self.note("the supervisor failed: %s: %s" % (type(error).__name__, error))
            if not self.code_over:
                self.program.end_all()  # the program's state is unknown: it cannot go on
                self.code_over = True
        self.host.send(b"C", self.cell)
        try:
            files, omitted = self.supervisor.workspace.collect(self.message["filesOut"], self.inputs)
        except MemoryError:
            files, omitted = [], []
            self.note("the workspace scan ran out of memory")
        except Exception as error:
            files, omitted = [], []
            self.note("the workspace scan failed: %s: %s" % (type(error).__name__, error))
        self.host.send_json(b"W", self.cell, {"files": files, "omitted": omitted})
        self.host.send_json(b"X", self.cell, self.report())

    def run_code(self):
        program = self.program
        if program.reap() is not None:
            self.note("the program had ended before the cell")
            program.end_all()
        else:
            program.tell(self.line)
            if not self.stdin:
                program.close_stdin()
            self.supervisor.during_cell(self)  # lines that came with the cell's
            if program.reader.buffer or program.reader.skipping is not None:
                self.pump_channel()  # what a session's thread sent between cells
        selector = selectors.DefaultSelector()
        try:
            self.loop(selector)
        finally:
            selector.close()

    def loop(self, selector):
        program, host = self.program, self.host
        watched = {}

        def watch(fd, events):
            if watched.get(fd) != events:
                if fd in watched:
                    selector.unregister(fd)
                if events:
                    selector.register(fd, events)
                    watched[fd] = events
                else:
                    watched.pop(fd, None)

        deadline = None
        while True:
            ended = program.reap() is not None
            if ended and deadline is None:
                program.end_all()  # the program is over: so is everything it started
                deadline = time.monotonic() + DRAIN_SECONDS
            if self.keep and self.outcome is not None and not ended:
                self.flush_outputs()
                self.code_over = True
                return
            readers = set(program.outputs_open)
            if program.channel_open:
                readers.add(program.channel_read)
            if ended and not readers:
                self.code_over = True  # drained to the end
                return
            if deadline is not None and time.monotonic() > deadline:
                self.code_over = True
                return
            watch(program.wake_read, selectors.EVENT_READ)
            watch(host.fd_in, 0 if host.ended else selectors.EVENT_READ)
            for fd in (program.stdout_read, program.stderr_read, program.channel_read):
                watch(fd, selectors.EVENT_READ if fd in readers else 0)
            line_left = bool(program.line) and program.channel_open and not ended
            watch(program.request_write, selectors.EVENT_WRITE if line_left else 0)
            stdin_left = program.stdin_open and bool(self.stdin) and not ended
            watch(program.stdin_write, selectors.EVENT_WRITE if stdin_left else 0)
            for key, _ in selector.select(None if deadline is None else max(0.0, deadline - time.monotonic())):
                fd = key.fd
                if fd == program.wake_read:
                    drain(fd)
                elif fd == host.fd_in:
                    self.host_lines()
                elif fd == program.request_write:
                    program.write_line()
                elif fd == program.stdin_write:
                    self.write_stdin()
                elif fd == program.channel_read:
                    self.read_channel()
                elif fd in program.outputs_open:
                    self.forward_output(fd)
                if self.budget.left < 0 and not self.keep and not ended:
                    program.end_all()  # the host stops a run past its budget: nothing more to say
                    break

    def host_lines(self):
        """Messages while the cell runs: an interrupt for it is a SIGINT; any other is held back
        (refused after X). The end of stdin ends the program; the cell is reported all the same."""
        if not self.host.fill():
            self.ending = True
            self.program.end_all()
        self.supervisor.during_cell(self)

    def interrupt(self, cell):
        if cell == self.cell and not self.code_over and self.program.status is None:
            self.program.interrupt()

    def write_stdin(self):
        try:
            self.stdin = self.stdin[os.write(self.program.stdin_write, self.stdin[:1 << 16]):]
        except BlockingIOError:
            return
        except OSError:
            self.stdin = self.stdin[:0]
        if not self.stdin:
            self.program.close_stdin()

    # --- stdout and stderr ---

    def forward_output(self, fd):
        """What the pipe holds now (one read), as O or E; False when it held nothing or ended.
        Past the budget (which the host, counting the same bytes, sees too) what follows is read
        and dropped."""
        data = read_some(fd)
        if data is None:
            return False
        if not data:
            self.program.outputs_open.discard(fd)
            return False
        if self.budget.left >= 0:
            self.host.send(b"O" if fd == self.program.stdout_read else b"E", self.cell, data)
            self.budget.take(len(data))
        return True

    def flush_outputs(self):
        """Forwards everything printed so far: output comes before the frame that follows it."""
        for fd in (self.program.stdout_read, self.program.stderr_read):
            for _ in range(64):
                if fd not in self.program.outputs_open or not self.forward_output(fd):
                    break

    # --- the display channel ---

    def read_channel(self):
        program = self.program
        if not program.channel_open:
            return
        data = read_some(program.channel_read)
        if data is None:
            return
        if not data:
            program.close_channel()  # the program closed it: a run goes on without it
            if self.keep and not self.ending:  # a session cannot; unless the program is exiting, its doing
                program.end_all()
                status = program.status
                if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                    self.note("the program closed its display channel")
            return
        program.reader.buffer += data
        self.pump_channel()

    def pump_channel(self):
        program = self.program
        problem = program.reader.pump(self)
        if problem is not None:
            self.note(problem)
            program.reader.buffer.clear()
            program.reader.skipping = None
            program.close_channel()
            if self.keep:
                program.end_all()  # a session cannot go on without its channel

    def over(self):
        return self.outcome is not None

    def ack(self):
        self.program.ack()

    def header(self, kind, length):
        """A frame's header, before its payload is read: None to read it, "skip" to drop it
        unread (past the budget), or the problem that breaks the channel."""
        if kind not in (b"FRDLCP" if self.keep else b"FRDLP"):
            return "the program's display channel carried an invalid frame"
        if length > self.caps["frameBytes"]:
            return "the program sent a frame over %d bytes" % self.caps["frameBytes"]
        if kind in b"FRD":
            self.flush_outputs()
            if length > self.budget.left:
                self.truncate()
                return "skip"
        return None

    def truncate(self):
        """T: the display channel would pass the budget; this payload, and what follows, is never sent."""
        if self.budget.left >= 0:
            self.host.send(b"T", self.cell)
            self.budget.left = -1

    def frame(self, kind, payload):
        """A whole frame: forwarded, or noted and dropped, then acked; the problem if it breaks the
        channel. A frame whose header was sound but whose payload breaks its rule is an error of
        that frame only: the channel stays in step, and the cell ends with the problem said."""
        if kind == b"C":
            outcome = c_outcome(payload)
            if outcome is None:
                return "the program ended its cell with an invalid word"
            self.flush_outputs()
            self.outcome = outcome
            self.ack()
            return None
        if kind == b"L":
            if payload in (b"memory", b"pids"):
                self.claim = self.claim or payload.decode()
            else:
                self.note("the program claimed an unknown limit")
        elif kind == b"P":
            self.note(payload)
        elif kind == b"F":
            if not payload.startswith(codelab_frames.PNG_MAGIC):
                self.note("the program sent a figure that is not a PNG")
            elif self.figures < self.caps["figures"] and self.figure_bytes + len(payload) <= self.caps["figuresBytes"]:
                self.figures += 1
                self.figure_bytes += len(payload)
                self.forward(kind, payload)
        else:
            problem = codelab_frames.bundle_payload_problem(payload)
            if problem is not None:
                self.note("the program sent a display that is not a mime bundle: %s" % problem)
            elif kind == b"R":
                if self.result_sent:
                    self.note("the program sent a second result")
                else:
                    self.result_sent = True
                    self.forward(kind, payload)
            elif self.displays < self.caps["displays"]:
                self.displays += 1
                self.forward(kind, payload)
        self.ack()
        return None

    def forward(self, kind, payload):
        self.flush_outputs()  # output printed since the header passed: it may have used the budget
        if len(payload) > self.budget.left:
            self.truncate()
            return
        self.budget.take(len(payload))
        self.host.send(kind, self.cell, payload)

    # --- the end ---

    def note(self, problem):
        """The cell's problem: the first one said (the others follow from it)."""
        if self.problem is None:
            self.problem = codelab_frames.printable_text(problem) or "?"

    def report(self):
        status = self.program.status
        if status is None:  # a session's cell ended; the program lives on
            code = self.outcome if self.outcome is not None else 1
            return exit_report(code, None, self.claim, self.problem, False)
        if os.WIFSIGNALED(status):
            return exit_report(None, os.WTERMSIG(status), self.claim, self.problem, True)
        return exit_report(os.WEXITSTATUS(status), None, self.claim, self.problem, True)


class Warmup:
    """The program's answer to a warm-up: its K. Frames a session's thread sent between cells are
    acknowledged and dropped (there is no cell to show them in)."""

    def __init__(self, program):
        self.program, self.ready = program, False

    def over(self):
        return self.ready

    def ack(self):
        self.program.ack()

    def header(self, kind, length):
        if kind not in codelab_frames.PROGRAM_KINDS or length > WARMUP_FRAME_MAX:
            return "invalid frame"
        return None

    def frame(self, kind, payload):
        if kind == b"K":
            self.ready = True
        else:
            self.ack()
        return None


class Supervisor:
    """The message loop: between cells it answers warm-ups and refuses what it cannot use; a cell
    is a Turn, during which host lines are read too (an interrupt for it is acted on at once,
    anything else refused after its X)."""

    def __init__(self, host, program, workspace):
        self.host, self.program, self.workspace = host, program, workspace
        self.last_id = 0
        self.held = []  # refusals while a cell runs, sent after its X
        self.started = False  # a cell has been handed to the program
        self.done = False

    def serve(self):
        """Until the end of stdin, or the end of a run. A session whose program has ended answers
        each later cell at once (ended, with a problem) rather than going silent."""
        try:
            while not self.done and self.host.wait():
                item = self.host.items.popleft()
                try:
                    self.between_cells(item)
                except HostGone:
                    raise
                except BaseException as error:
                    self.refuse("the supervisor failed: %s: %s" % (type(error).__name__, error))
        except HostGone:
            pass
        self.program.end_all()

    def refuse(self, reason):
        self.host.send(b"P", 0, codelab_frames.cut_utf8(codelab_frames.printable_text(reason)))

    def between_cells(self, item):
        message = parse_line(item) if isinstance(item, bytes) else item
        if isinstance(message, str):
            self.refuse(message)
        elif message["type"] == "warmup":
            self.warm_up()
        elif message["type"] == "cell":
            self.cell(message, item)
        # an interrupt between cells: its cell is not running, dropped

    def during_cell(self, turn):
        while self.host.items:
            item = self.host.items.popleft()
            message = parse_line(item) if isinstance(item, bytes) else item
            if isinstance(message, str):
                self.hold(message)
            elif message["type"] == "interrupt":
                turn.interrupt(message["id"])
            elif message["type"] == "cell":
                self.hold("a cell while one runs")
            else:
                self.hold("a warm-up while a cell runs")

    def hold(self, reason):
        if len(self.held) < MAX_REFUSALS:
            self.held.append(reason)

    def cell(self, message, line):
        if message["id"] <= self.last_id:
            self.refuse("cell: id %d is not above the last one (%d)" % (message["id"], self.last_id))
            return
        inputs = {}
        for index, entry in enumerate(message["files"]):
            try:
                inputs[entry["path"]] = codelab_workspace.digest(codelab_frames.decode_content(entry["content"]))
            except ValueError:
                self.refuse("cell: files[%d].content is not base64" % index)
                return
        self.last_id = message["id"]
        first, self.started = not self.started, True
        try:
            Turn(self, message, line, inputs, first).run()
        finally:
            held, self.held = self.held, []
            for reason in held:
                self.refuse(reason)
        if not message["keep"] or self.host.ended:
            self.done = True  # a run's kernel is over after its cell (a session's, only at the end of stdin)

    def warm_up(self):
        """The program touches its pages and rehearses a cell (codelab_warmup), then so does the
        supervisor; K says both are done. A program that cannot answer gets no K from here."""
        program = self.program
        if program.reap() is not None or not program.channel_open:
            return
        program.tell(b'{"type": "warmup"}')
        waiting = Warmup(program)
        selector = selectors.DefaultSelector()
        try:
            selector.register(program.wake_read, selectors.EVENT_READ)
            selector.register(program.channel_read, selectors.EVENT_READ)
            if not self.host.ended:
                selector.register(self.host.fd_in, selectors.EVENT_READ)
            while not waiting.ready:
                if program.line:
                    program.write_line()
                for key, _ in selector.select(0.05 if program.line else None):
                    if key.fd == program.wake_read:
                        drain(key.fd)
                    elif key.fd == self.host.fd_in:
                        if not self.host.fill():  # lines wait for after the warm-up; the end does not
                            selector.unregister(self.host.fd_in)
                            return
                    else:
                        data = read_some(program.channel_read)
                        if data is None:
                            continue
                        program.reader.buffer += data
                        if not data or program.reader.pump(waiting) is not None:
                            program.close_channel()
                            program.end_all()
                            return
                if program.reap() is not None:
                    return
        finally:
            selector.close()
        codelab_warmup.supervisor(program.wake_read, self.workspace)
        self.host.send(b"K", 0)


def read_some(fd):
    """Bytes the pipe holds now; b"" at its end; None when nothing is there yet."""
    try:
        return os.read(fd, READ_SIZE)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def drain(fd):
    try:
        while os.read(fd, 512):
            pass
    except OSError:
        pass


def main():
    sys.stdout = sys.stderr  # fd 1 is the frame channel: nothing else may write there
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    codelab_jail.not_dumpable()
    preload = "--preload" in sys.argv
    program = Program(preload, codelab_jail.Processes())
    if not program.await_ready():
        sys.exit("codelab-supervisor: the program did not start")
    if preload:
        os.write(2, READY_MARKER)
    Supervisor(Host(), program, codelab_workspace.Workspace()).serve()
    os._exit(0)


if __name__ == "__main__":
    main()
