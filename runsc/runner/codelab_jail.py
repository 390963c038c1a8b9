"""Where the program may go and how it ends: the program's process drops every privilege before it
imports anything of its own (no capabilities, bounding set too; uid/gid 1000; clone3 refused; none of
the supervisor's descriptors), its rlimits are set once, and the supervisor ends its processes.
"""
import ctypes
import os
import resource
import signal
import struct

USER_ID = 1000
# The program's descriptors, as serve() finds them: its channel (frames out), its request pipe
# (lines and acks in), and its stdout and stderr until the first cell makes them 1 and 2.
CHANNEL_FD, REQUEST_FD, STDOUT_FD, STDERR_FD = 3, 4, 5, 6
# What the first cell limits, in the order of its values: pids, fileBytes, openFiles, and no core.
RLIMITS = ("RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 24, 22, 2
CAP_LAST = 63
SYS_CLONE3, ENOSYS, AUDIT_ARCH_X86_64 = 435, 38, 0xC000003E
entered = False  # the program's descriptors are in place (fd 3 is its channel)


def libc():
    return ctypes.CDLL(None, use_errno=True)


def not_dumpable():
    """The supervisor: the program (another uid) can neither trace it nor open its /proc files."""
    libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def enter(stdin_read, stdout_write, stderr_write, channel_write, request_read, uid=USER_ID):
    """The program's first steps after its fork: its descriptors in place and every other closed,
    then no privilege left. Until its first cell, what it prints goes nowhere."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd, target in ((stdin_read, 0), (null, 1), (null, 2), (channel_write, CHANNEL_FD), (request_read, REQUEST_FD),
                       (stdout_write, STDOUT_FD), (stderr_write, STDERR_FD)):
        os.dup2(fd, target)
    os.closerange(STDERR_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    drop_privileges(uid)
    global entered
    entered = True


def drop_privileges(uid):
    """No capabilities (bounding set too), the program's uid and gid, and clone3 refused."""
    c = libc()
    for capability in range(CAP_LAST + 1):
        c.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    refuse_clone3(c)


def refuse_clone3(c):
    """A seccomp filter of the program's own: clone3 answers ENOSYS, so libc falls back to clone,
    whose namespace flags the sandbox's profile refuses (runsc's profile cannot return ENOSYS)."""
    def op(code, jump_true, jump_false, k):
        return struct.pack("<HBBI", code, jump_true, jump_false, k)
    allow, enosys = 0x7FFF0000, 0x00050000 | ENOSYS
    program = b"".join((
        op(0x20, 0, 0, 4), op(0x15, 1, 0, AUDIT_ARCH_X86_64), op(0x06, 0, 0, allow),  # other arch: the profile decides
        op(0x20, 0, 0, 0), op(0x15, 0, 1, SYS_CLONE3), op(0x06, 0, 0, enosys), op(0x06, 0, 0, allow)))
    filters = ctypes.create_string_buffer(program)
    fprog = ctypes.create_string_buffer(struct.pack("<HxxxxxxQ", len(program) // 8, ctypes.addressof(filters)))
    if c.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")


def set_rlimits(limits):
    """The first cell's limits on the program, soft and hard, so it cannot raise them again; a value
    above the sandbox's own ceiling (the OCI spec's) is the ceiling, not a failure."""
    values = (limits["pids"], limits["fileBytes"], limits["openFiles"], 0)
    for name, value in zip(RLIMITS, values):
        limit = getattr(resource, name)
        hard = resource.getrlimit(limit)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, value))


def rehearse_rlimits():
    """set_rlimits()'s calls with values that change nothing (a restore faults their pages in)."""
    for name in RLIMITS:
        limit = getattr(resource, name)
        resource.setrlimit(limit, resource.getrlimit(limit))


class Processes:
    """How the supervisor, PID 1 of the sandbox's PID namespace, ends the program's processes: all
    of them, with kill(-1), and collects every orphan. Anywhere but PID 1 (a test on the host)
    kill(-1) would reach every process of the machine: there it ends only the program's process
    group and waits only for the children it was told of."""

    def __init__(self):
        self.statuses = {}  # pid -> wait status, of the children it was told of
        self.children = set()  # the program (PID 1 reaps orphans too, and forgets them)

    def started(self, pid):
        self.children.add(pid)

    def end_all(self, program_pid):
        """SIGKILL to every process but this one, until none is left; reaps them."""
        if os.getpid() != 1:
            self.end_group(program_pid)
            return
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:  # ProcessLookupError: nothing is left
                break
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            self.note(pid, status)
        self.reap()

    def note(self, pid, status):
        if pid in self.children:
            self.statuses[pid] = status

    def end_group(self, program_pid):
        for kill in (os.killpg, os.kill):
            try:
                kill(program_pid, signal.SIGKILL)
            except OSError:
                pass
        if program_pid in self.children:
            try:
                _, status = os.waitpid(program_pid, 0)
                self.statuses[program_pid] = status
                self.children.discard(program_pid)
            except ChildProcessError:
                self.children.discard(program_pid)

    def reap(self):
        """Collects ended children without waiting (as PID 1 every one: orphans come to it)."""
        if os.getpid() != 1:
            for pid in list(self.children):
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    self.children.discard(pid)
                    continue
                if done:
                    self.statuses[pid] = status
                    self.children.discard(pid)
            return
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.note(pid, status)
