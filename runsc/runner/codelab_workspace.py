"""The files a program leaves under /workspace, collected by the supervisor once every process of
the program has ended (so nothing changes while they are read). Only regular files are returned,
never followed links; names that break the API's path rules are listed as omitted."""
import base64
import os

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


def collect(request):
    """Files created or changed by the run (input files left as they were are not returned)."""
    caps = request["filesOut"]
    inputs = {entry["path"]: entry["content"] for entry in request.get("files", [])}
    found, others = scan(caps["maxDepth"])
    files, omitted, total = [], [], 0
    for path in sorted(found):
        size, blocks = found[path]
        if not allowed(path):
            omitted.append({"path": shown(path), "reason": "name not allowed in a response"})
        elif len(files) >= caps["maxCount"]:
            omitted.append({"path": path, "reason": "more than %d files" % caps["maxCount"]})
        elif size > caps["maxFileBytes"]:
            omitted.append({"path": path, "reason": "larger than %d bytes" % caps["maxFileBytes"]})
        elif blocks * 512 < size:
            omitted.append({"path": path, "reason": "sparse file"})
        elif total + size > caps["maxTotalBytes"]:
            omitted.append({"path": path, "reason": "files over %d bytes in total" % caps["maxTotalBytes"]})
        else:
            content = read_regular_file(os.path.join(WORKSPACE, path), size)
            if content is None:
                omitted.append({"path": path, "reason": "not readable"})
                continue
            encoded = base64.b64encode(content).decode()
            if inputs.get(path) == encoded:
                continue
            total += len(content)
            files.append({"path": path, "size": len(content), "encoding": "base64", "content": encoded})
    for path, reason in others:
        omitted.append({"path": shown(path), "reason": reason})
    return files, sorted(omitted, key=lambda entry: entry["path"])[:caps["maxCount"]]


def read_regular_file(path, size):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        content = handle.read(size + 1)
    return content if len(content) == size else None
