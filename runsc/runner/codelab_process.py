"""The program as the supervisor holds it: the forked process (jailed at once by codelab_jail, then
codelab_program), its pipes (stdin, stdout, stderr, the display channel, and the request pipe that
carries lines and acks), the SIGCHLD wake-up, and the display channel cut into frames (ChannelReader).
What a frame means is the turn's (codelab_turn) or the warm-up's.
"""
import os
import signal

import codelab_frames
import codelab_jail

READ_SIZE = 1 << 16


class Program:
    """The user program: forked when the sandbox starts, before anything of its own is imported,
    jailed at once, then (when preloading) importing the stack and waiting for its first cell. A
    single-use sandbox never forks at request time, so nothing is copied on write, and the
    supervisor stays a small interpreter. `body` replaces the program in tests (a forked fake)."""

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

