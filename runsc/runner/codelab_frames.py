"""The protocol's shapes and rules (runsc/PROTOCOL.md), written once for the supervisor, the program
and the tests: frame headers, the host's messages, mime bundles and paths. The service applies the
same rules in Java; runsc/protocol/{paths,bundles}.json hold the vectors both sides are tested on.
Only the standard library's lightest modules: the supervisor imports this before every checkpoint.
"""
import base64
import binascii
import json
import struct

# Supervisor -> service: type, cell id, payload length. Program -> supervisor: type, payload length.
HOST_HEADER = struct.Struct(">cII")
PROGRAM_HEADER = struct.Struct(">cI")
HOST_KINDS = b"KPSOEFRDUBVTCWX"
# K only when the program is asked to be ready, S once a cell's code starts, C only in a session's cell.
PROGRAM_KINDS = b"KSFRDUBVLCP"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_ID = (1 << 31) - 1
ACK = b"k"

BUNDLE_ENTRIES = 32
MIME_KEY_MAX = 100
NESTING_MAX = 64
PATH_CHARS_MAX = 255
SEGMENT_BYTES_MAX = 255
PATH_DEPTH_MAX = 8
TEXT_MAX = 200  # a problem's characters; a P frame's bytes
DISPLAY_ID_MAX = 128  # a display id's characters
ENAME_MAX = 200  # an error's name, in characters
TRACEBACK_LINES_MAX = 1000
CLEAR_WORDS = (b"now", b"wait")  # a B frame: clear the output now, or when the next output comes


def host_frame(kind, cell, payload=b""):
    """One frame to the service, header and payload in one buffer (written with one call)."""
    return HOST_HEADER.pack(kind, cell, len(payload)) + payload


def program_frame(kind, payload=b""):
    return PROGRAM_HEADER.pack(kind, len(payload)) + payload


def read_host_frames(data):
    """Splits a service-bound byte stream into (kind, cell, payload); for the tests. The rest, an
    incomplete frame, is returned as the last element's bytes under kind None."""
    frames, offset = [], 0
    while len(data) - offset >= HOST_HEADER.size:
        kind, cell, length = HOST_HEADER.unpack_from(data, offset)
        if len(data) - offset - HOST_HEADER.size < length:
            break
        start = offset + HOST_HEADER.size
        frames.append((kind, cell, bytes(data[start:start + length])))
        offset = start + length
    if offset < len(data):
        frames.append((None, 0, bytes(data[offset:])))
    return frames


# --- paths ---------------------------------------------------------------------------------------

def refused_char(code):
    """The path rule's explicit list: no Unicode table, so both sides (and every Python or Java
    version) agree on characters newer than their tables."""
    return (code <= 0x1F or 0x7F <= code <= 0x9F or code == 0x5C or code in (0x2028, 0x2029, 0xFEFF)
            or 0xD800 <= code <= 0xDFFF)


def path_problem(path, max_depth=PATH_DEPTH_MAX):
    """Why a workspace path breaks the rule, or None when it obeys it."""
    if not isinstance(path, str) or not path:
        return "is empty"
    if len(path) > PATH_CHARS_MAX:
        return "is over %d characters" % PATH_CHARS_MAX
    for char in path:
        if refused_char(ord(char)):
            return "has a refused character U+%04X" % ord(char)
    segments = path.split("/")
    if len(segments) > max_depth:
        return "is over %d levels deep" % max_depth
    for segment in segments:
        if segment in ("", ".", ".."):
            return "is not a plain relative path"
        if len(segment.encode("utf-8")) > SEGMENT_BYTES_MAX:
            return "has a segment over %d bytes" % SEGMENT_BYTES_MAX
    return None


def shown_path(path):
    """A path as it may go into a report: every refused character '?', each segment and the whole
    cut to the rule's bounds, so what is shown obeys the rule itself (a non-empty path)."""
    segments = []
    for segment in path.split("/")[:PATH_DEPTH_MAX]:
        segment = "".join("?" if refused_char(ord(c)) else c for c in segment)
        if segment in ("", ".", ".."):
            segment = "?"
        while len(segment.encode("utf-8")) > SEGMENT_BYTES_MAX:
            segment = segment[:-1]
        segments.append(segment)
    shown = "/".join(segments)[:PATH_CHARS_MAX].rstrip("/")
    return shown or "?"


def printable_text(text, limit=TEXT_MAX):
    """Text for a problem or a refusal: refused characters (the path rule's list) become '?',
    at most limit characters."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    return "".join("?" if refused_char(ord(c)) else c for c in text[:limit])


def cut_utf8(text, limit=TEXT_MAX):
    """UTF-8 bytes of text, at most limit, never cutting a character in two."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return data
    return data[:limit].decode("utf-8", "ignore").encode("utf-8")


# --- mime bundles --------------------------------------------------------------------------------

def mime_key_problem(key):
    """A mime type as the rule wants it: printable ASCII, at most 100 characters, exactly one '/'
    before any ';' parameters, with a type and a subtype on either side."""
    if not isinstance(key, str) or not key or len(key) > MIME_KEY_MAX:
        return "a key is empty or over %d characters" % MIME_KEY_MAX
    if any(not " " <= c <= "~" for c in key):
        return "a key is not printable ASCII"
    kind, slash, subtype = key.split(";", 1)[0].partition("/")
    if not slash or "/" in subtype or not kind or not subtype:
        return "a key is not type/subtype"
    return None


def holds_json(key):
    """Whether the key's value may be any JSON: a subtype (before any ';', as written) of json or
    ending in +json."""
    subtype = key.split(";", 1)[0].partition("/")[2]
    return subtype == "json" or subtype.endswith("+json")


def nesting(value):
    """How deep arrays and objects go (a string: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > NESTING_MAX:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def entry_problem(key, value):
    """One entry of a bundle against the rule (its nesting counted from the bundle's own level)."""
    problem = mime_key_problem(key)
    if problem:
        return problem
    if holds_json(key):
        if 1 + nesting(value) > NESTING_MAX:
            return "nested over %d deep" % NESTING_MAX
    elif not isinstance(value, str):
        return "%s is not a string" % key
    return None


def bundle_problem(bundle):
    """Why a decoded bundle breaks the rule, or None."""
    if not isinstance(bundle, dict):
        return "not a JSON object"
    if len(bundle) > BUNDLE_ENTRIES:
        return "over %d entries" % BUNDLE_ENTRIES
    if not isinstance(bundle.get("text/plain"), str):
        return "no text/plain string"
    for key, value in bundle.items():
        problem = entry_problem(key, value)
        if problem:
            return problem
    return None


def _refuse_constant(name):
    raise ValueError("%s is not JSON" % name)


def _ignored(_text):
    return None


def loads_strict(data):
    """JSON as the service reads it: UTF-8, no NaN or Infinity, nesting within the interpreter's
    bound (RecursionError is raised as ValueError). Numbers are not materialised: a 10^6-digit
    integer is valid JSON, and only the shape matters here."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_ignored, parse_float=_ignored)
    except RecursionError:
        raise ValueError("nested too deep") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None


def bundle_payload_problem(payload):
    """An R or D payload against the rule: JSON text of a valid bundle."""
    try:
        bundle = loads_strict(payload)
    except ValueError as error:
        return "not JSON (%s)" % str(error)[:60]
    return bundle_problem(bundle)


def display_id_problem(display_id):
    """A display id: a string of 1 to 128 characters, none on the path rule's refused list."""
    if not isinstance(display_id, str) or not 1 <= len(display_id) <= DISPLAY_ID_MAX:
        return "a display id is not a string of 1 to %d characters" % DISPLAY_ID_MAX
    if any(refused_char(ord(c)) for c in display_id):
        return "a display id has a refused character"
    return None


def id_display(payload):
    """A U payload, {"id", "update", "data"}: (whether it updates a display, None) when it obeys the
    rule, else (None, the problem)."""
    try:
        message = loads_strict(payload)
    except ValueError as error:
        return None, "not JSON (%s)" % str(error)[:60]
    if not isinstance(message, dict) or set(message) != {"id", "update", "data"}:
        return None, "not an object of id, update and data"
    if not isinstance(message["update"], bool):
        return None, "update is not true or false"
    problem = display_id_problem(message["id"]) or bundle_problem(message["data"])
    return (None, problem) if problem else (message["update"], None)


def error_problem(payload):
    """A V payload, {"ename", "evalue", "traceback"}, against the rule, or None."""
    try:
        error = loads_strict(payload)
    except ValueError as problem:
        return "not JSON (%s)" % str(problem)[:60]
    if not isinstance(error, dict) or set(error) != {"ename", "evalue", "traceback"}:
        return "not an object of ename, evalue and traceback"
    if not isinstance(error["ename"], str) or not 1 <= len(error["ename"]) <= ENAME_MAX:
        return "ename is not a string of 1 to %d characters" % ENAME_MAX
    if not isinstance(error["evalue"], str):
        return "evalue is not a string"
    lines = error["traceback"]
    if not isinstance(lines, list) or len(lines) > TRACEBACK_LINES_MAX \
            or not all(isinstance(line, str) for line in lines):
        return "traceback is not a list of at most %d strings" % TRACEBACK_LINES_MAX
    return None


# --- the service's messages ----------------------------------------------------------------------

CELL_OBJECTS = {
    "limits": ("pids", "fileBytes", "openFiles", "outputBytes"),
    "filesOut": ("maxDepth", "maxCount", "maxFileBytes", "maxTotalBytes"),
    "richOut": ("figures", "figuresBytes", "displays", "frameBytes"),
}
COUNT_MAX = (1 << 63) - 1


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_id(value):
    return is_int(value) and 1 <= value <= MAX_ID


def message_problem(message):
    """Why a decoded host message cannot be used (its shape alone), or None. A cell's id against the
    last one, and a cell while one runs, are the supervisor's to judge."""
    if not isinstance(message, dict):
        return "not a JSON object"
    kind = message.get("type")
    if kind == "warmup":
        return None
    if kind == "interrupt":
        return None if is_id(message.get("id")) else "interrupt: field 'id' missing or of the wrong type"
    if kind != "cell":
        return "unknown type" if isinstance(kind, str) else "field 'type' missing or of the wrong type"
    return cell_problem(message)


def cell_problem(cell):
    def wrong(field):
        return "cell: field '%s' missing or of the wrong type" % field
    if not is_id(cell.get("id")):
        return wrong("id")
    for field in ("code", "stdin"):
        if not isinstance(cell.get(field), str):
            return wrong(field)
    if not isinstance(cell.get("keep"), bool):
        return wrong("keep")
    for field, names in CELL_OBJECTS.items():
        caps = cell.get(field)
        if not isinstance(caps, dict):
            return wrong(field)
        for name in names:
            if not is_int(caps.get(name)) or not 0 <= caps[name] <= COUNT_MAX:
                return wrong(field + "." + name)
    env = cell.get("env")
    if not isinstance(env, dict):
        return wrong("env")
    for name, value in env.items():
        if not isinstance(value, str) or not name or "=" in name or "\0" in name or "\0" in value:
            return wrong("env")
    files = cell.get("files")
    if not isinstance(files, list):
        return wrong("files")
    for index, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
            return wrong("files[%d]" % index)
        if path_problem(entry.get("path")):
            return "cell: files[%d].path breaks the path rule" % index
    return workspace_problem(cell) if "workspace" in cell else None


WORKSPACE_LISTS = ("read", "delete")


def workspace_problem(cell):
    """A cell's optional `workspace` (the service's file operations, done by the supervisor):
    exactly {list, read, delete}, each list of distinct paths by the rule, at most filesOut.maxCount."""
    workspace = cell["workspace"]
    if not isinstance(workspace, dict) or set(workspace) != {"list", *WORKSPACE_LISTS}:
        return "cell: field 'workspace' is not {list, read, delete}"
    if not isinstance(workspace["list"], bool):
        return "cell: field 'workspace.list' missing or of the wrong type"
    for name in WORKSPACE_LISTS:
        paths = workspace[name]
        if not isinstance(paths, list) or len(paths) > cell["filesOut"]["maxCount"]:
            return "cell: workspace.%s is not a list of at most filesOut.maxCount paths" % name
        for index, path in enumerate(paths):
            if path_problem(path, cell["filesOut"]["maxDepth"]):
                return "cell: workspace.%s[%d] breaks the path rule" % (name, index)
        if len(set(paths)) != len(paths):
            return "cell: workspace.%s names a path twice" % name
    return None


def decode_content(content):
    """An input file's base64 content; ValueError when it is not base64."""
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
