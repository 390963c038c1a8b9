"""The program's end of its channel to the supervisor: frames out on fd 3 (5-byte header), and on
fd 4 both the supervisor's request lines and one ack byte per frame. One reader demultiplexes fd 4,
whichever thread reads it, so a thread of the user's waiting for its ack between cells can never
take a byte of the next request line (which would corrupt the line and end the program), and each
frame waits for its own ack (numbered), so output printed after a display comes after it.
"""
import collections
import os
import threading

import codelab_frames
from codelab_jail import CHANNEL_FD, REQUEST_FD

ACK = codelab_frames.ACK[0]


class Interrupts:
    """When SIGINT becomes KeyboardInterrupt: only while a cell's code runs (`allowed`), and never
    inside the channel's own steps (`shield`): an interrupt there, or one that comes before the
    cell's code starts, is held (`pending`) and raised at the first safe point. Raised anywhere
    else it could cut a frame in two, lose an ack or a request line, and so end the program.
    The supervisor signals only while it sees the cell running, which starts before the program
    reads the cell's line: an early interrupt waits for the code. A late one (the supervisor signals
    before it reads the cell's C) is in before C's ack, and is dropped then (`settle`)."""

    def __init__(self):
        self.owner = os.getpid()
        self.allowed = False
        self.pending = False
        self.shield = 0
        self.count = 0  # interrupts handled so far
        self.count_at_ack = 0  # as it was when the last ack was seen

    def handler(self, _signum, _frame):
        if os.getpid() != self.owner:
            return  # a fork of the program's: the supervisor signals only the program
        self.count += 1
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

    def ack_seen(self):
        """An ack came: every interrupt the supervisor sent before it has been handled by now (the
        wait for the ack runs pending handlers), so the count here is where the cell's interrupts end."""
        self.count_at_ack = self.count

    def settle(self):
        """After the cell's C is acknowledged: an interrupt meant for it is forgotten; one that came
        after C's ack is the next cell's (its line and its interrupt can follow the ack at once) and
        is kept for it."""
        self.pending = self.pending and self.count > self.count_at_ack


interrupts = Interrupts()


class Channel:
    def __init__(self, channel_fd=CHANNEL_FD, request_fd=REQUEST_FD):
        self.channel_fd, self.request_fd = channel_fd, request_fd
        self.owner = os.getpid()  # only this process sends: a fork's frames would interleave
        self.write_lock = threading.Lock()
        self.state = threading.Condition(threading.Lock())
        self.reading = False
        self.closed = False  # fd 4 ended: no more lines, no more acks
        self.pending = bytearray()  # a line in progress
        self.lines = collections.deque()
        self.sent = 0  # frames that wait for an ack, numbered
        self.acked = 0

    def send(self, kind, payload=b"", ack=True):
        """A frame to the supervisor; then, unless it is K, its ack. Raises OSError when the
        supervisor closed the channel (the program broke it): the caller decides what that means."""
        if os.getpid() != self.owner:
            return
        data = codelab_frames.program_frame(kind, payload)
        interrupts.shield += 1
        try:
            with self.write_lock:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.channel_fd, view):]
                if not ack:
                    return
                self.sent += 1
                ticket = self.sent
            self.wait(lambda: self.acked >= ticket)
        finally:
            interrupts.shield -= 1
            interrupts.deliver()

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
                interrupts.ack_seen()
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
