"""The service's end of the supervisor (runsc/PROTOCOL.md): its messages come as lines on stdin, each
at most MAX_LINE bytes, and are parsed into a message or the reason it is refused; frames go out on
stdout (9-byte header: type, cell id, length). Only the standard library's lightest modules.
"""
import collections
import json
import os
import select

import codelab_frames

MAX_LINE = 48 << 20  # a host line longer than this is refused and skipped to its newline


class HostGone(Exception):
    """The service no longer reads the frames: nothing is left to say."""



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

