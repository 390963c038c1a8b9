"""Notebook syntax in the program: the line and cell magics a course notebook uses, `!cmd`, and a
trailing `;`. A cell is translated before it is compiled, line for line (a magic's line becomes
one call, so every other line keeps its number and a traceback shows the cell's own lines), and
the magic's code is compiled from the cell at that line. The list (README, runsc/PROTOCOL.md):
line magics %matplotlib, %config, %time, %timeit, %load_ext autoreload, %autoreload, %pwd, %env,
%who; cell magics %%time, %%timeit, %%capture, %%writefile, %%html, %%markdown, %%latex, %%svg.
Installing packages (%pip, %conda) and the shell (!cmd, %%bash, ...) are a UsageError: the image
holds the packages, and there is no shell.
"""
import ast
import builtins
import contextlib
import os
import re
import shlex
import sys
import time
import timeit
import tokenize

import codelab_display
from codelab_errors import UsageError

CELL = "<cell>"
CALL = "__codelab_magic__"  # a translated line's call, found in builtins
MAGIC_LINE = re.compile(r"^([ \t]*)(%{1,2}|!)([^\n]*)$")
NO_PACKAGES = ("packages come from the sandbox's image and cannot be installed here; the image's"
               " packages are listed in the service's README")
NO_SHELL = "shell commands are not available in the sandbox; use Python (os, pathlib, shutil) instead"
SHELL_MAGICS = {"sx", "system", "bash", "sh", "script", "!"}
PACKAGE_MAGICS = {"pip", "conda", "mamba", "micromamba"}
TEXT_MAGICS = {"html": "text/html", "markdown": "text/markdown", "latex": "text/latex", "svg": "image/svg+xml"}


def split_cell_magic(code):
    """A cell that starts with `%%name args` (after blank lines): (name, args, body, the body's first
    line number); else None."""
    lines = code.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if not line.startswith("%%"):
            return None
        name, _, args = line[2:].partition(" ")
        return name.strip(), args.strip(), "\n".join(lines[index + 1:]), index + 2
    return None


def translate(code):
    """The cell with each magic line (`%name args`, `!cmd`, at the start of a statement) replaced by a
    call on the same line. Other lines are left as they are, so Python names their errors."""
    lines = code.split("\n")
    for number, line in enumerate(lines):
        match = MAGIC_LINE.match(line)
        if match is None or not statement_starts(lines[:number]):
            continue
        indent, sign, rest = match.groups()
        name = "!" if sign == "!" else rest.split(" ")[0]
        if sign == "%%":
            raise UsageError("cell magic `%%%s` must be on the cell's first line" % name)
        after = rest if sign == "!" else rest[len(name):]
        args = after.strip()
        column = len(line[:len(line) - len(after.lstrip())].encode())  # where args start, for a traceback's carets
        lines[number] = "%s%s(%r, %r, (%d, %d), globals(), locals())" % (indent, CALL, name, args, number + 1, column)
    return "\n".join(lines)


def statement_starts(before):
    """Whether a line after these starts a statement: not inside brackets, a string or a `\\` line."""
    if not before:
        return True
    if before[-1].endswith("\\"):
        return False
    source = iter([line + "\n" for line in before])
    try:
        for token in tokenize.generate_tokens(lambda: next(source, "")):
            pass
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    return True


def silenced(code):
    """A trailing `;` (before any comment) hides the last expression's value, as in IPython."""
    source = iter(code.splitlines(True))
    last = None
    try:
        for token in tokenize.generate_tokens(lambda: next(source, "")):
            if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER):
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.string == ";"


def compiled(code, place):
    """Code parsed as if it stood in the cell at `place`: a line number, or (line, column) for a
    magic's arguments (whose first line is shifted right, so that a traceback's carets fall under it)."""
    line, column = place if isinstance(place, tuple) else (place, 0)
    tree = ast.parse(code, filename=CELL)
    for node in ast.walk(tree):
        if column and getattr(node, "lineno", None) == 1:
            node.col_offset += column
            if getattr(node, "end_lineno", None) == 1:
                node.end_col_offset += column
    ast.increment_lineno(tree, line - 1)
    return tree


def run_source(code, namespace, first_line=1):
    """Runs cell source (its magic lines translated); the value of a trailing expression, if shown."""
    tree = compiled(translate(code), first_line)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, CELL, "exec"), namespace)
    if last is None or silenced(code):
        return None
    return eval(compile(ast.Expression(last.value), CELL, "eval"), namespace)


def run_cell(code, namespace):
    """A cell as a notebook runs it; the value to show, or None."""
    magic = split_cell_magic(code)
    if magic is None:
        return run_source(code, namespace)
    name, args, body, first_line = magic
    return cell_magic(name, args, body, first_line, namespace)


# --- line magics ---

def line_magic(name, args, place, global_ns, local_ns):
    """A translated magic line's call; `place` is where its args stand in the cell (line, column)."""
    if name in SHELL_MAGICS:
        raise UsageError(NO_SHELL)
    if name in PACKAGE_MAGICS:
        raise UsageError("%%%s: %s" % (name, NO_PACKAGES))
    if name == "matplotlib":
        if args.split()[:1] not in ([], ["inline"]):
            raise UsageError("%%matplotlib %s: figures are shown inline only (%%matplotlib inline)" % args)
        return None
    if name == "config":
        if not args.startswith("InlineBackend."):
            raise UsageError("%%config %s: only InlineBackend settings are accepted" % args)
        setting, _, value = args.partition("=")
        if setting.strip() == "InlineBackend.figure_format":  # 'svg' or "svg"; the other settings change nothing
            codelab_display.set_matplotlib_formats(value.strip().strip("'\""))
        elif setting.strip() == "InlineBackend.figure_formats":
            codelab_display.set_matplotlib_formats(*re.findall(r"[a-z]+", value))
        return None
    if name in ("load_ext", "autoreload"):
        if name == "load_ext" and args != "autoreload":
            raise UsageError("%%load_ext %s: extensions are not available here" % args)
        return None  # accepted so that a notebook's first cell runs; modules are not reloaded
    if name == "time":
        return timed(args, place, global_ns, local_ns)
    if name == "timeit":
        return time_it(args, "pass", place, global_ns, local_ns)
    if name == "pwd":
        return os.getcwd()
    if name == "env":
        return env(args)
    if name == "who":
        print("  ".join(sorted(user_names(global_ns))) or "Interactive namespace is empty.")
        return None
    raise UsageError("Line magic function `%%%s` not found." % name)


def env(args):
    if not args:
        return dict(os.environ)
    if "=" in args:
        key, _, value = args.partition("=")
        os.environ[key.strip()] = value.strip()
        print("env: %s=%s" % (key.strip(), value.strip()))
        return None
    return os.environ.get(args)


def user_names(namespace):
    return [name for name, value in namespace.items()
            if not name.startswith("_") and not isinstance(value, type(sys)) and name not in ("In", "Out")]


def timed(code, place, global_ns, local_ns):
    """%time: runs the code once and prints its CPU and wall time; the value of an expression."""
    tree = compiled(code, place)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    with clock():
        exec(compile(tree, CELL, "exec"), global_ns, local_ns)
        return None if last is None else eval(compile(ast.Expression(last.value), CELL, "eval"), global_ns, local_ns)


@contextlib.contextmanager
def clock():
    """Prints the CPU and wall time of what it wraps, as IPython's %time does (also when it raises)."""
    cpu, wall = os.times(), time.perf_counter()
    try:
        yield
    finally:
        after = os.times()
        user, system = after.user - cpu.user, after.system - cpu.system
        print("CPU times: user %s, sys: %s, total: %s\nWall time: %s"
              % (shown_time(user), shown_time(system), shown_time(user + system),
                 shown_time(time.perf_counter() - wall)))


def time_it(args, setup, place, global_ns, local_ns, body=None):
    """%timeit [-n N] [-r R] stmt (or %%timeit's body): the mean and spread of R runs of N loops."""
    options, statement = timeit_options(args)
    if body is not None:
        setup, statement = statement or "pass", body
    namespace = dict(global_ns, **(local_ns if local_ns is not global_ns else {}))
    compiled(statement, place)  # a syntax error names the cell's line
    timer = timeit.Timer(statement, setup, globals=namespace)
    number = options.get("n") or timer.autorange()[0]
    runs = [timer.timeit(number) / number for _ in range(options.get("r", 7))]
    mean = sum(runs) / len(runs)
    spread = (sum((run - mean) ** 2 for run in runs) / len(runs)) ** 0.5
    print("%s ± %s per loop (mean ± std. dev. of %d run%s, %d loop%s each)"
          % (shown_time(mean), shown_time(spread), len(runs), "" if len(runs) == 1 else "s",
             number, "" if number == 1 else "s"))


def timeit_options(args):
    options, words = {}, args.split(" ")
    while len(words) > 1 and words[0] in ("-n", "-r"):
        try:
            options[words[0][1]] = int(words[1])
        except ValueError:
            raise UsageError("%%timeit %s: expects a number" % words[0]) from None
        if options[words[0][1]] < 1:
            raise UsageError("%%timeit %s: expects a number above 0" % words[0])
        words = words[2:]
    return options, " ".join(words).strip()


def shown_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e3), ("µs", 1e6)):
        if seconds >= 1 / scale:
            return "%.3g %s" % (seconds * scale, unit)
    return "%.3g ns" % (seconds * 1e9)


# --- cell magics ---

def cell_magic(name, args, body, first_line, namespace):
    if name in SHELL_MAGICS:
        raise UsageError(NO_SHELL)
    if name == "time":
        with clock():
            return run_source(body, namespace, first_line)
    if name == "timeit":
        return time_it(args, "pass", first_line, namespace, namespace, body=body)
    if name == "capture":
        return capture(args, body, first_line, namespace)
    if name == "writefile":
        return write_file(args, body)
    if name in TEXT_MAGICS:
        codelab_display.display({TEXT_MAGICS[name]: body, "text/plain": body}, raw=True)
        return None
    raise UsageError("Cell magic `%%%%%s` not found." % name)


def write_file(args, body):
    words = shlex.split(args)
    append = bool(words) and words[0] in ("-a", "--append")
    words = words[1:] if append else words
    if len(words) != 1:
        raise UsageError("%%writefile [-a] path: one path")
    path = os.path.expanduser(words[0])
    print("%s %s" % ("Appending to" if append else "Overwriting" if os.path.exists(path) else "Writing", path))
    with open(path, "a" if append else "w", encoding="utf-8") as out:
        out.write(body if body.endswith("\n") else body + "\n")


def capture(args, body, first_line, namespace):
    """%%capture [--no-stdout] [--no-stderr] [--no-display] [name]: the body's output kept out of the
    cell's, in `name` (a CapturedIO) when one is given."""
    import codelab_capture
    words = args.split()
    flags = {word for word in words if word.startswith("--")}
    unknown = flags - {"--no-stdout", "--no-stderr", "--no-display"}
    names = [word for word in words if not word.startswith("--")]
    if unknown or len(names) > 1 or (names and not names[0].isidentifier()):
        raise UsageError("%%capture [--no-stdout] [--no-stderr] [--no-display] [name]")
    captured = codelab_capture.CapturedIO(stdout="--no-stdout" not in flags, stderr="--no-stderr" not in flags,
                                          display="--no-display" not in flags)
    if names:
        namespace[names[0]] = captured
    with captured:
        run_source(body, namespace, first_line)
    return None


builtins.__codelab_magic__ = line_magic
