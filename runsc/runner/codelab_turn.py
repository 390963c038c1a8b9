"""One cell through the supervisor (runsc/PROTOCOL.md): its line to the program, S when the
program says the cell's code starts (the cell's clock starts there; an interrupt for the cell waits
for it), its output and display-channel frames checked against the cell's caps and output budget, C
when its code is over, then W (the files, off the cell's clock) and X. Nothing of the cell's output
goes out before its S: the output pipes are read from S on, and a display before it is dropped. A
channel frame whose header is sound but whose payload breaks its rule costs that frame only: it is
dropped, acked, and named in X's problem. A header no rule allows (an unknown type, a length over
frameBytes, an invalid C word, an S with a payload, a second S, an S between cells) breaks the
channel: a run goes on without it, a session's program is ended.
"""
import os
import selectors
import signal
import time

import codelab_frames
import codelab_jail
import codelab_workspace
from codelab_host import HostGone
from codelab_process import read_some, drain

DRAIN_SECONDS = 5.0  # after a run's processes are ended, how long their pipes may take to close
DISPLAY_KINDS = b"FRDUBV"  # what the display channel sends the service, in order with the output


def exit_report(exit_code=None, signal_number=None, limit=None, problem=None, ended=False):
    return {"exitCode": exit_code, "signal": signal_number, "limit": limit, "problem": problem, "ended": ended}


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
        self.started = False  # the program's S: the cell's code runs
        self.interrupt_held = False  # an interrupt for the cell before its S
        self.between_cells = False  # reading what the channel held before the cell's line
        self.ending = False  # the supervisor ends the program (the end of stdin)
        self.outcome = None  # a session's cell: the program's C as an exit code
        self.problem = self.claim = None
        self.result_sent = self.error_sent = False
        self.figures = self.figure_bytes = self.displays = 0

    # --- the cell ---

    def run(self):
        """Sends the cell's frames, C, W and X."""
        workspace = self.message.get("workspace")
        root = self.supervisor.workspace.root
        # which input files replace a regular file: seen before the program writes them
        replaced = None if workspace is None else [
            entry["path"] for entry in self.message["files"] if codelab_workspace.is_regular_file(root, entry["path"])]
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
        report = {}
        try:
            if workspace is not None:
                # as the program's user in a sandbox (PID 1); the host's tests run the program unjailed
                deleted = codelab_workspace.delete_as(codelab_jail.USER_ID if os.getpid() == 1 else None, root,
                                                      workspace["delete"])
            report["files"], report["omitted"] = self.supervisor.workspace.collect(self.message["filesOut"], self.inputs)
            if workspace is not None:
                report["workspace"] = self.file_operations(workspace, replaced, deleted)
        except MemoryError:
            report = {}
            self.note("the workspace scan ran out of memory")
        except Exception as error:
            report = {}
            self.note("the workspace scan failed: %s: %s" % (type(error).__name__, error))
        self.host.send_json(b"W", self.cell, report or {"files": [], "omitted": []})
        self.host.send_json(b"X", self.cell, self.report())

    def file_operations(self, workspace, replaced, deleted):
        """W's `workspace`: the service's file operations, answered by the supervisor alone (the
        program, the user's code, never speaks for them). Deletes came first, before the scan."""
        caps, root = self.message["filesOut"], self.supervisor.workspace.root
        answer = {"replaced": replaced, "deleted": deleted}
        answer["read"], answer["unread"] = codelab_workspace.read(root, workspace["read"], caps)
        if workspace["list"]:
            answer["listing"] = codelab_workspace.listing(self.supervisor.workspace, caps)
        return answer

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
                self.between_cells = True  # what a session's thread sent between cells
                try:
                    self.pump_channel()
                finally:
                    self.between_cells = False
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
            readers = set(program.outputs_open) if self.started else set()  # output waits for S
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
        """Messages while the cell runs: an interrupt for it is a SIGINT (held until its S); any
        other is held back (refused after X). The end of stdin ends the program; the cell is
        reported all the same."""
        if not self.host.fill():
            self.ending = True
            self.program.end_all()
        self.supervisor.during_cell(self)

    def interrupt(self, cell):
        """SIGINT for the cell's code: at once once it runs (its S), at its S before; never once its
        C is read (a late interrupt is dropped, as one for any other cell)."""
        if cell == self.cell and not self.code_over and not self.over() and self.program.status is None:
            if self.started:
                self.program.interrupt()
            else:
                self.interrupt_held = True

    def start(self):
        """The program's S: the cell's code starts now. The service hears it first of the cell's
        frames; an interrupt that came before is sent now."""
        self.started = True
        self.host.send(b"S", self.cell)
        if self.interrupt_held:
            self.interrupt_held = False
            if self.program.status is None:
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
        """Forwards everything printed so far: output comes before the frame that follows it. Before
        S there is none of the cell's to forward (what is there waits for a cell that runs)."""
        if not self.started:
            return
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
        if kind not in (b"SFRDUBVLCP" if self.keep else b"SFRDUBVLP"):
            return "the program's display channel carried an invalid frame"
        if kind == b"S":
            if length:
                return "the program's display channel carried an invalid frame"
            if self.started:
                return "the program started its cell's code twice"
            if self.between_cells:
                return "the program started a cell's code between cells"
            return None
        if length > self.caps["frameBytes"]:
            return "the program sent a frame over %d bytes" % self.caps["frameBytes"]
        if kind in DISPLAY_KINDS and self.started:
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
        if kind == b"S":
            self.start()
            return None  # no ack
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
        elif not self.started:
            self.note("the program sent a display before its cell's code started")
        elif kind == b"F":
            if not payload.startswith(codelab_frames.PNG_MAGIC):
                self.note("the program sent a figure that is not a PNG")
            elif self.figures < self.caps["figures"] and self.figure_bytes + len(payload) <= self.caps["figuresBytes"]:
                self.figures += 1
                self.figure_bytes += len(payload)
                self.forward(kind, payload)
        elif kind in b"RD":
            problem = codelab_frames.bundle_payload_problem(payload)
            if problem is not None:
                self.note("the program sent a display that is not a mime bundle: %s" % problem)
            elif kind == b"R":
                if self.result_sent:
                    self.note("the program sent a second result")
                else:
                    self.result_sent = True
                    self.forward(kind, payload)
            else:
                self.new_display(kind, payload)
        elif kind == b"U":
            update, problem = codelab_frames.id_display(payload)
            if problem is not None:
                self.note("the program sent a display with an id that breaks its rule: %s" % problem)
            elif update:
                self.forward(kind, payload)  # an update shows nothing new: the output budget bounds them
            else:
                self.new_display(kind, payload)
        elif kind == b"B":
            if payload in codelab_frames.CLEAR_WORDS:
                self.forward(kind, payload)
            else:
                self.note("the program sent a clear_output that is neither now nor wait")
        else:
            problem = codelab_frames.error_problem(payload)
            if problem is not None:
                self.note("the program sent an error that breaks its rule: %s" % problem)
            elif self.error_sent:
                self.note("the program sent a second error")
            else:
                self.error_sent = True
                self.forward(kind, payload)
        self.ack()
        return None

    def new_display(self, kind, payload):
        """A display that is not an update: one of the cell's capped count (past it, dropped)."""
        if self.displays < self.caps["displays"]:
            self.displays += 1
            self.forward(kind, payload)

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

