"""The program's end of its channel to the supervisor: frames out on fd 3 (5-byte header), and on
fd 4 both the supervisor's request lines and one ack byte per frame. One reader demultiplexes fd 4,
whichever thread reads it, so a thread of the user's waiting for its ack between cells can never
take a byte of the next request line (which would corrupt the line and end the program), and each
frame waits for its own ack (numbered), so output printed after a display comes after it. A cell's
S says its code starts; the frames of code (a display, a figure, a result, a limit claim) that a
session's threads send between cells wait for the next cell's S, so the supervisor meets none
before it.
"""
import collections
import os
import threading

import codelab_frames
from codelab_jail import CHANNEL_FD, REQUEST_FD

ACK = codelab_frames.ACK[0]
CODE_KINDS = (b"F", b"R", b"D", b"U", b"B", b"V", b"L")  # frames of a cell's code: only between its S and C


class Interrupts:
    """When SIGINT becomes KeyboardInterrupt. The supervisor signals the program only for the cell
    whose S it has read (an interrupt that comes before is held there until the S), and never once
    it has read that cell's C. So a SIGINT the program handles after it sent a cell's S is for that
    cell, and one it handles before is for an earlier cell: a late one, which the supervisor sent
    before it read that cell's C. Such a one is in long before the next S, which waits for the C's
    ack, the service's answer to X and the next cell's line.
    Hence three facts, and no count: an interrupt is raised only while the cell's code runs
    (`allowed`) and never inside the main thread's own channel steps (`shield`: there it could cut a
    frame in two, or lose an ack or a request line); one that comes outside those is held
    (`pending`) and raised at the first safe point of the code (after a channel step, or as the
    code starts); and what is held when the next S is about to be written is dropped (`start`):
    cleared before the write, so an interrupt the supervisor sends the moment it reads that S is
    never dropped. The handler runs only in the main thread, so only its channel steps shield it."""

    def __init__(self):
        self.owner = os.getpid()
        self.allowed = False
        self.pending = False
        self.shield = 0  # the main thread is in a channel step

    def handler(self, _signum, _frame):
        if os.getpid() != self.owner:
            return  # a fork of the program's: the supervisor signals only the program
        if self.allowed and not self.shield:
            raise KeyboardInterrupt
        self.pending = True

    def allow(self, allowed):
        """Code may be interrupted from here (and a held interrupt is raised now), or not."""
        self.allowed = allowed
        if allowed:
            self.deliver()

    def deliver(self):
        if self.allowed and self.pending and not self.shield:
            self.pending = False
            raise KeyboardInterrupt

    def start(self):
        """A cell's S is about to be written: an interrupt held now was an earlier cell's."""
        self.pending = False


interrupts = Interrupts()


class Channel:
    def __init__(self, channel_fd=CHANNEL_FD, request_fd=REQUEST_FD):
        self.channel_fd, self.request_fd = channel_fd, request_fd
        self.owner = os.getpid()  # only this process sends: a fork's frames would interleave
        self.main = threading.get_ident()  # the thread that serves cells (and runs signal handlers)
        self.write_lock = threading.Condition(threading.Lock())
        self.in_cell = False  # from a cell's S to its C: frames of code may go
        self.state = threading.Condition(threading.Lock())
        self.reading = False
        self.closed = False  # fd 4 ended: no more lines, no more acks
        self.pending = bytearray()  # a line in progress
        self.lines = collections.deque()
        self.sent = 0  # frames that wait for an ack, numbered
        self.acked = 0

    def send(self, kind, payload=b"", ack=True):
        """A frame to the supervisor; then, unless it is K or S, its ack. Raises OSError when the
        supervisor closed the channel (the program broke it): the caller decides what that means.
        Another thread's frame of code waits, between cells, for the next cell's S."""
        if os.getpid() != self.owner:
            return
        data = codelab_frames.program_frame(kind, payload)
        main = threading.get_ident() == self.main
        if main:
            interrupts.shield += 1
        try:
            with self.write_lock:
                while not self.in_cell and not main and kind in CODE_KINDS:
                    self.write_lock.wait()
                if kind == b"C":
                    self.in_cell = False
                view = memoryview(data)
                while view:
                    view = view[os.write(self.channel_fd, view):]
                if kind == b"S":
                    self.in_cell = True
                    self.write_lock.notify_all()
                if not ack:
                    return
                self.sent += 1
                ticket = self.sent
            self.wait(lambda: self.acked >= ticket)
        finally:
            if main:
                interrupts.shield -= 1
                interrupts.deliver()

    def start(self):
        """S: the cell's code starts now (no ack). Every interrupt held until here was an earlier
        cell's; the supervisor signals this cell's only once it has read this frame."""
        interrupts.start()
        self.send(b"S", ack=False)

    def next_line(self):
        """The supervisor's next request line, waiting for it; None once fd 4 has ended."""
        interrupts.shield += 1
        try:
            self.wait(lambda: bool(self.lines))
            return self.lines.popleft() if self.lines else None
        finally:
            interrupts.shield -= 1

    def wait(self, ready):
        """Until ready() or fd 4 ends; one thread at a time reads fd 4, for every waiter."""
        with self.state:
            while not ready() and not self.closed:
                if self.reading:
                    self.state.wait()
                    continue
                self.reading = True
                self.state.release()
                data = None
                try:
                    data = os.read(self.request_fd, 1 << 16)
                except OSError:
                    data = b""
                finally:  # an exception in the read (a thread's) leaves data None: nothing was taken
                    self.state.acquire()
                    self.reading = False
                    if data is not None:
                        self.take(data)
                    self.state.notify_all()

    def take(self, data):
        """Sorts bytes read from fd 4 into acks and lines (the supervisor never acks inside a line)."""
        if not data:
            self.closed = True
            return
        start = 0
        while start < len(data):
            if not self.pending and data[start] == ACK:
                self.acked += 1
                start += 1
                continue
            end = data.find(b"\n", start)
            if end < 0:
                self.pending += data[start:]
                return
            self.pending += data[start:end]
            self.lines.append(bytes(self.pending))
            self.pending.clear()
            start = end + 1
