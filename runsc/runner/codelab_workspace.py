"""The files a program leaves under /workspace, collected by the supervisor once every process of
the program has ended (so nothing changes while they are read). Only regular files are returned,
never followed links; names that break the API's path rules are listed as omitted."""
import base64
import hashlib
import os
import stat

WORKSPACE = "/workspace"
MAX_PATH = 255


def scan(max_depth):
    """Maps each regular file's relative path to (size, blocks); lists what is not returned."""
    found, others = {}, []

    def walk(directory, depth):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            relative = os.path.relpath(entry.path, WORKSPACE)
            if entry.is_symlink():
                others.append((relative, "symlink"))
            elif entry.is_dir(follow_symlinks=False):
                if depth < max_depth:
                    walk(entry.path, depth + 1)
                else:
                    others.append((relative, "too deep"))
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                found[relative] = (info.st_size, info.st_blocks)
            else:
                others.append((relative, "not a regular file"))

    walk(WORKSPACE, 1)
    return found, others


def allowed(path):
    """The API's rules for returned paths: printable UTF-8, relative, bounded."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    # The length in UTF-16 units, as the host (Java) counts it.
    return len(path.encode("utf-16-le")) // 2 <= MAX_PATH and path.isprintable() and "\\" not in path


def shown(path):
    """A path that may go into a response: unprintable characters replaced."""
    text = path.encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() and c != "\\" else "?" for c in text)[:MAX_PATH]


def collect(request, baseline):
    """Files created or changed since the baseline (the request's own input files count as part of
    it). Returns (files, omitted, the next baseline: path -> content digest). While the program's
    processes may still run (a session between cells), every path is opened without following
    links at any level, so a swapped directory cannot lead outside /workspace."""
    caps = request["filesOut"]
    known = dict(baseline or {})
    for entry in request.get("files", []):
        known[entry["path"]] = digest(base64.b64decode(entry["content"]))
    found, others = scan(caps["maxDepth"])
    files, omitted, total, after = [], [], 0, {}
    for path in sorted(found):
        size, blocks = found[path]
        if not allowed(path):
            omitted.append({"path": shown(path), "reason": "name not allowed in a response"})
        elif size > caps["maxFileBytes"]:
            omitted.append({"path": path, "reason": "larger than %d bytes" % caps["maxFileBytes"]})
        elif blocks * 512 < size:
            omitted.append({"path": path, "reason": "sparse file"})
        else:
            content = read_regular_file(path, size)
            if content is None:
                omitted.append({"path": path, "reason": "not readable"})
                continue
            after[path] = digest(content)
            if known.get(path) == after[path]:
                continue
            if len(files) >= caps["maxCount"]:
                omitted.append({"path": path, "reason": "more than %d files" % caps["maxCount"]})
            elif total + size > caps["maxTotalBytes"]:
                omitted.append({"path": path, "reason": "files over %d bytes in total" % caps["maxTotalBytes"]})
            else:
                total += len(content)
                files.append({"path": path, "size": len(content), "encoding": "base64",
                              "content": base64.b64encode(content).decode()})
    for path, reason in others:
        omitted.append({"path": shown(path), "reason": reason})
    return files, sorted(omitted, key=lambda entry: entry["path"])[:caps["maxCount"]], after


def digest(content):
    return hashlib.sha256(content).hexdigest()


def read_regular_file(relative, size):
    """The file's content, opened component by component beneath /workspace without following a
    link anywhere; None if it is not a regular file of that size any more."""
    parts = relative.split("/")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        directory = os.open(WORKSPACE, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = child
        fd = os.open(parts[-1], flags, dir_fd=directory)
    except OSError:
        return None
    finally:
        os.close(directory)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        content = handle.read(size + 1)
    return content if len(content) == size else None
