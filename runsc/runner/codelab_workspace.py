"""The files a program leaves under /workspace, collected by the supervisor after a cell's code is
over (C), off the cell's clock. Only regular files are returned, never followed links; names that
break the path rule are listed as omitted. A session's kernel keeps what it saw of each entry
(size, mtime, ctime, inode, and a file's digest), so a scan re-reads and hashes only what changed,
and a scan visits a bounded number of entries: a notebook with 800 files pays 800 lstat calls.
"""
import base64
import errno
import hashlib
import os
import stat

import codelab_frames

WORKSPACE = "/workspace"
MAX_ENTRIES = 10000
NOT_ALLOWED = "name not allowed in a response"


def digest(content):
    return hashlib.sha256(content).digest()


class Seen:
    """What a scan saw of one entry: its stat signature and what came of it (a file's digest, or
    the reason it was omitted)."""
    __slots__ = ("signature", "digest", "reason")

    def __init__(self, signature, digest=None, reason=None):
        self.signature, self.digest, self.reason = signature, digest, reason


class Workspace:
    """The kernel's view of its workspace between reports."""

    def __init__(self, root=WORKSPACE, max_entries=MAX_ENTRIES):
        self.root, self.max_entries = root, max_entries
        self.seen = {}  # relative path -> Seen, as of the last report

    def walk(self, max_depth):
        """Yields (relative path, kind, lstat) for entries at depth 1..max_depth, each directory's
        entries in name order; a directory at max_depth comes as kind "too deep" and is not entered.
        Stops after max_entries, yielding ("stopped", path of the first entry not visited)."""
        visited = 0
        stack = [("", 1)]
        while stack:
            prefix, depth = stack.pop()
            try:
                with os.scandir(os.path.join(self.root, prefix) if prefix else self.root) as entries:
                    names = sorted(entry.name for entry in entries)
            except OSError:
                continue
            subdirectories = []
            for name in names:
                relative = prefix + name
                if visited >= self.max_entries:
                    yield relative, "stopped", None
                    return
                visited += 1
                try:
                    info = os.lstat(os.path.join(self.root, relative))
                except OSError:
                    continue  # gone since the listing
                mode = info.st_mode
                if stat.S_ISLNK(mode):
                    yield relative, "symlink", info
                elif stat.S_ISDIR(mode):
                    if depth < max_depth:
                        subdirectories.append(relative + "/")
                    else:
                        yield relative, "too deep", info
                elif stat.S_ISREG(mode):
                    yield relative, "file", info
                else:
                    yield relative, "not a regular file", info
            stack.extend((directory, depth + 1) for directory in reversed(subdirectories))

    def collect(self, caps, inputs=None):
        """Files created or changed since the last report, and what is omitted, as W's lists; the
        cell's input files (path -> digest, written by the program for it) count as seen. Entries a
        stopped scan did not reach keep what was seen of them."""
        inputs = inputs or {}
        files, omitted, total = [], [], 0
        now, stopped, entries = {}, None, []
        for path, kind, info in self.walk(caps["maxDepth"]):
            if kind == "stopped":
                stopped = path
                break
            entries.append((path, kind, info))
        entries.sort(key=lambda entry: entry[0])  # the caps fall on the same files whatever the listing order
        for path, kind, info in entries:
            signature = (kind, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            before = self.seen.get(path)
            if before is not None and before.signature == signature and path not in inputs:
                now[path] = before  # unchanged since the last report: neither read nor reported
                continue
            if kind != "file":
                now[path] = Seen(signature, reason=kind)
                omitted.append({"path": codelab_frames.shown_path(path), "reason": kind})
                continue
            entry = now[path] = Seen(signature)
            reason = self.file_reason(path, info, caps)
            if reason is None:
                content = read_regular_file(self.root, path, info.st_size)
                if content is None:
                    reason = "not readable"
                else:
                    entry.digest = digest(content)
                    known = inputs.get(path, before.digest if before is not None else None)
                    if known == entry.digest:
                        continue
                    if len(files) >= caps["maxCount"]:
                        reason = "more than %d files" % caps["maxCount"]
                    elif total + len(content) > caps["maxTotalBytes"]:
                        reason = "files over %d bytes in total" % caps["maxTotalBytes"]
                    else:
                        total += len(content)
                        files.append({"path": path, "size": len(content), "encoding": "base64",
                                      "content": base64.b64encode(content).decode("ascii")})
                        continue
            entry.reason = reason
            omitted.append({"path": codelab_frames.shown_path(path), "reason": reason})
        if stopped is not None:
            now.update((path, seen) for path, seen in self.seen.items() if path not in now)
        self.seen = now
        omitted.sort(key=lambda item: item["path"])
        del omitted[caps["maxCount"]:]
        if stopped is not None:
            note = {"path": codelab_frames.shown_path(stopped),
                    "reason": "the scan stopped after %d entries" % self.max_entries}
            if omitted and len(omitted) >= caps["maxCount"]:
                omitted[-1] = note
            elif caps["maxCount"] > 0:
                omitted.append(note)
        return files, omitted

    @staticmethod
    def file_reason(path, info, caps):
        if codelab_frames.path_problem(path):
            return NOT_ALLOWED
        if info.st_size > caps["maxFileBytes"]:
            return "larger than %d bytes" % caps["maxFileBytes"]
        if info.st_blocks * 512 < info.st_size:
            return "sparse file"
        return None

    def rehearse(self):
        """The scan's first steps (a listing, lstat, a digest), changing nothing: after a restore,
        their first touch is paid at warm-up rather than by a cell."""
        for _ in zip(range(8), self.walk(1)):
            pass
        digest(b"")
        codelab_frames.path_problem("a.csv")


def open_entry(name, flags, directory):
    """The directory's entry, opened without following a link: O_NOFOLLOW, and the opened file must
    be the very entry lstat saw (gVisor's openat follows a link to a directory despite O_NOFOLLOW
    when O_DIRECTORY is given). OSError otherwise."""
    seen = os.stat(name, dir_fd=directory, follow_symlinks=False)
    if stat.S_ISLNK(seen.st_mode):
        raise OSError(errno.ELOOP, "a link")
    fd = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
    try:
        opened = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino):
        os.close(fd)
        raise OSError(errno.ELOOP, "swapped for a link")
    return fd


def parent_beneath(root, relative):
    """The directory holding the path's last segment, opened component by component beneath the
    root without following a link anywhere (a session's processes may still swap a directory),
    and that segment; None when there is no such directory."""
    parts = relative.split("/")
    try:
        directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            child = open_entry(part, os.O_RDONLY | os.O_DIRECTORY, directory)
            os.close(directory)
            directory = child
    except OSError:
        os.close(directory)
        return None
    return directory, parts[-1]


def open_regular_file(root, relative):
    """A read-only handle on the path if it is a regular file beneath the root, reached without
    following a link; None otherwise."""
    parent = parent_beneath(root, relative)
    if parent is None:
        return None
    directory, name = parent
    try:
        fd = open_entry(name, os.O_RDONLY | os.O_NONBLOCK, directory)
    except OSError:
        return None
    finally:
        os.close(directory)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return os.fdopen(fd, "rb")
    except OSError:
        pass
    os.close(fd)
    return None


def read_regular_file(root, relative, size):
    """The file's content; None if it is not a regular file of that size any more."""
    handle = open_regular_file(root, relative)
    if handle is None:
        return None
    try:
        with handle:
            content = handle.read(size + 1)
    except OSError:
        return None
    return content if len(content) == size else None


# --- the service's file operations (a cell's `workspace`), done by the supervisor ---------------

NO_SUCH_FILE = "no such file"
TOO_LARGE = "too large"


def is_regular_file(root, relative):
    """Whether the path is a regular file beneath the root (a link is not, nor followed)."""
    handle = open_regular_file(root, relative)
    if handle is None:
        return False
    handle.close()
    return True


def delete(root, relative):
    """Removes the path if it is a regular file or a link (the link itself, never what it names),
    reached without following a link; True when it did."""
    parent = parent_beneath(root, relative)
    if parent is None:
        return False
    directory, name = parent
    try:
        mode = os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            return False
        os.unlink(name, dir_fd=directory)
        return True
    except OSError:
        return False
    finally:
        os.close(directory)


def delete_as(uid, root, paths):
    """The paths deleted (as delete does) with the program's user's rights, by a child of the
    supervisor: the directories under the workspace are the program's, and the supervisor holds no
    capability that overrides their modes (nor should it have more right there than the program).
    The paths it deleted. uid None: as the supervisor's own user (the program runs unjailed)."""
    if uid is None:
        return [path for path in paths if delete(root, path)]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.write(write_end, bytes(delete(root, path) for path in paths))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as results:
        done = results.read(len(paths))
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # reaped as PID 1 reaps every orphan: its answer is in the pipe already
    return [path for path, gone in zip(paths, done) if gone]


def read(root, paths, caps):
    """The named files as W's `read` (content as returned files) and `unread` (why not: no such
    regular file, or over the returned-file caps)."""
    files, unread, total = [], [], 0
    for path in paths:
        handle = open_regular_file(root, path)
        if handle is None:
            unread.append({"path": path, "reason": NO_SUCH_FILE})
            continue
        with handle:
            try:
                content = handle.read(caps["maxFileBytes"] + 1)
            except OSError:
                content = None
        if content is None:
            unread.append({"path": path, "reason": NO_SUCH_FILE})
        elif len(content) > caps["maxFileBytes"] or total + len(content) > caps["maxTotalBytes"]:
            unread.append({"path": path, "reason": TOO_LARGE})
        else:
            total += len(content)
            files.append({"path": path, "size": len(content), "encoding": "base64",
                          "content": base64.b64encode(content).decode("ascii")})
    return files, unread


def listing(workspace, caps):
    """Every regular file as {path, size}, in path order, within the depth and count caps; the
    rest (links, what lies too deep, names the rule refuses, past the count) as omitted."""
    files, omitted = [], []
    for path, kind, info in sorted(workspace.walk(caps["maxDepth"]), key=lambda entry: entry[0]):
        if kind == "stopped":
            reason = "the scan stopped after %d entries" % workspace.max_entries
        elif kind != "file":
            reason = kind
        elif codelab_frames.path_problem(path):
            reason = NOT_ALLOWED
        elif len(files) >= caps["maxCount"]:
            reason = "more than %d files" % caps["maxCount"]
        else:
            files.append({"path": path, "size": info.st_size})
            continue
        if len(omitted) < caps["maxCount"]:
            omitted.append({"path": codelab_frames.shown_path(path), "reason": reason})
    return {"files": files, "omitted": omitted}
