"""In-sandbox supervisor (runsc/PROTOCOL.md): the only process that speaks for the kernel, and it
never runs user code. PID 1 of the sandbox, root with five capabilities, not dumpable. The service
runs it as `python3 -B /opt/codelab/codelab_supervisor.py [--preload[=module,...]]`.

At start it forks the program (codelab_process; jailed by codelab_jail before it imports anything
of its own); a checkpoint takes both. It then serves the service's messages (codelab_host: warmup,
cell, interrupt): between cells it answers a warm-up with K and refuses what it cannot use with P;
a cell is a turn (codelab_turn), which ends with X. Nothing it reads ends it, on any channel: a
program frame that breaks its payload rule costs that frame only, a program that breaks its
display channel loses it (a session's program is ended), a failure of its own ends the cell with
a problem. Only the end of stdin ends it, and the end of a run (a kernel of one `keep: false`
cell), after its X. A session whose program has ended answers each later cell at once.
All its modules are imported here, at start: nothing is imported at request time.
"""
import os
import selectors
import signal
import sys

import codelab_frames
import codelab_jail
import codelab_warmup
import codelab_workspace
from codelab_host import Host, HostGone, parse_line
from codelab_process import Program, drain, read_some
from codelab_turn import Turn

READY_MARKER = b"codelab-runner-ready\n"
MAX_REFUSALS = 16  # P frames held back while a cell runs
WARMUP_FRAME_MAX = 1 << 22  # a stray frame of a session's thread met during a warm-up


class Warmup:
    """The program's answer to a warm-up: its K. Frames a session's thread sent between cells are
    acknowledged and dropped (there is no cell to show them in); an S (no cell's code starts
    between cells) breaks the channel."""

    def __init__(self, program):
        self.program, self.ready = program, False

    def over(self):
        return self.ready

    def ack(self):
        self.program.ack()

    def header(self, kind, length):
        if kind not in codelab_frames.PROGRAM_KINDS or kind == b"S" or length > WARMUP_FRAME_MAX:
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


def main():
    sys.stdout = sys.stderr  # fd 1 is the frame channel: nothing else may write there
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    codelab_jail.not_dumpable()
    preload = any(arg == "--preload" or arg.startswith("--preload=") for arg in sys.argv[1:])
    program = Program(preload, codelab_jail.Processes())
    if not program.await_ready():
        sys.exit("codelab-supervisor: the program did not start")
    if preload:
        os.write(2, READY_MARKER)
    Supervisor(Host(), program, codelab_workspace.Workspace()).serve()
    os._exit(0)


if __name__ == "__main__":
    main()

