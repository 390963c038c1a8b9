"""Transcript replay against real runsc (runsc/protocol/transcripts/*.json, format in PROTOCOL.md):
each transcript's host messages go to a real supervisor and program in a gVisor sandbox, whose
frames must be the transcript's. Then one preloaded kernel: the warm path and the program's jail.

Needs root, runsc on PATH and CODELAB_PYTHON_ROOTFS (the image `make image` builds, e.g.
/var/cache/codelab-sandbox/python-*/rootfs); skipped otherwise. One sandbox at a time, no cgroup
(--ignore-cgroups), a runsc state dir of its own under /run/codelab-runner-tests, every container
deleted after use.
"""
import base64
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import codelab_frames
from tests.harness import PROTOCOL, RUNNER, WARMUP, Frames, cell

ROOTFS = os.environ.get("CODELAB_PYTHON_ROOTFS")
RUNSC = shutil.which("runsc")
STATE = "/run/codelab-runner-tests"
CAPABILITIES = ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL", "CAP_DAC_READ_SEARCH"]
ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/workspace", "USER=sandbox", "LANG=C.UTF-8", "TMPDIR=/tmp",
       "PYTHONPATH=/opt/codelab", "PYTHONDONTWRITEBYTECODE=1", "MPLBACKEND=module://codelab_backend",
       "MPLCONFIGDIR=/tmp/.matplotlib", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1"]
QUIET = 0.3  # after a message that is owed no frame (a refusal aside), how long the replay waits
REASON = None
if os.geteuid() != 0:
    REASON = "needs root (runsc run)"
elif not RUNSC:
    REASON = "runsc is not on PATH (runsc/install-runsc.sh installs it)"
elif not ROOTFS or not os.path.isdir(ROOTFS):
    REASON = ("CODELAB_PYTHON_ROOTFS is not set to the Python image (make image builds it; e.g. %s)"
              % (glob.glob("/var/cache/codelab-sandbox/python-*/rootfs") or ["/var/cache/codelab-sandbox/python-*/rootfs"])[0])


def spec(preload):
    """The OCI spec as the service writes it (sandbox/OciSpec.java), without a cgroup."""
    def tmpfs(destination, mb):
        return {"destination": destination, "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "nodev", "size=%dm" % mb, "mode=1777"]}
    with open(os.path.join(os.path.dirname(RUNNER), "seccomp.json")) as profile:
        seccomp = json.load(profile)
    args = ["/usr/bin/python3", "-B", "/opt/codelab/codelab_supervisor.py"] + (["--preload"] if preload else [])
    return {
        "ociVersion": "1.0.2",
        "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": args, "env": ENV, "cwd": "/workspace",
                    "capabilities": {"bounding": CAPABILITIES, "effective": CAPABILITIES, "permitted": CAPABILITIES,
                                     "inheritable": [], "ambient": []},
                    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024},
                                {"type": "RLIMIT_FSIZE", "hard": 64 << 20, "soft": 64 << 20},
                                {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}],
                    "noNewPrivileges": True},
        "root": {"path": ROOTFS, "readonly": True},
        "hostname": "sandbox",
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}, tmpfs("/tmp", 64),
                   tmpfs("/workspace", 64), tmpfs("/dev/shm", 16),
                   {"destination": "/opt/codelab", "type": "bind", "source": RUNNER,
                    "options": ["rbind", "ro", "nosuid", "nodev"]}],
        "linux": {"namespaces": [{"type": kind} for kind in ("pid", "network", "ipc", "uts", "mount")],
                  "seccomp": seccomp,
                  "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                  "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]},
    }


class Sandbox:
    """One `runsc run` of the supervisor: messages in on its stdin, frames out on its stdout."""

    def __init__(self, preload=False):
        os.makedirs(os.path.join(STATE, "bundles"), exist_ok=True)
        self.bundle = tempfile.mkdtemp(dir=os.path.join(STATE, "bundles"))
        self.id = "codelab-runner-test-" + os.path.basename(self.bundle).replace("_", "")
        with open(os.path.join(self.bundle, "config.json"), "w") as out:
            json.dump(spec(preload), out)
        self.stderr = open(os.path.join(self.bundle, "stderr"), "w+b")
        self.process = subprocess.Popen(
            [RUNSC, "--root=" + STATE, "--network=none", "--platform=ptrace", "--ignore-cgroups", "--directfs=true",
             "--oci-seccomp", "run", "--bundle=" + self.bundle, self.id],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        self.frames = Frames(self.process.stdout.fileno())

    def send(self, line):
        self.process.stdin.write(line if line.endswith(b"\n") else line + b"\n")
        self.process.stdin.flush()

    def close(self):
        """Ends the supervisor by its one way (the end of stdin), then makes sure of it."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            subprocess.run([RUNSC, "--root=" + STATE, "kill", "--all", self.id, "KILL"], capture_output=True)
            self.process.wait(timeout=20)
        subprocess.run([RUNSC, "--root=" + STATE, "delete", "--force", self.id], capture_output=True)
        self.frames.thread.join(5)
        self.process.stdout.close()
        self.stderr.seek(0)
        self.stderr_text = self.stderr.read()
        self.stderr.close()
        shutil.rmtree(self.bundle, ignore_errors=True)
        return self.process.returncode


def replay(sandbox, host):
    """Sends the messages in order, each once the supervisor owes nothing for the ones before:
    after a cell, its X (when an interrupt for it follows: its first output, or its X); after a
    warm-up, K; after an interrupt for a running cell, its X; after anything else, a quiet moment."""
    for index, message in enumerate(host):
        sandbox.send(json.dumps(message).encode())
        following = host[index + 1] if index + 1 < len(host) else None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "cell" and codelab_frames.message_problem(message) is None:
            if following and following.get("type") == "interrupt" and following.get("id") == message["id"]:
                sandbox.frames.wait((b"O", b"X"), message["id"], timeout=60)  # it says it started, or it is over
            else:
                sandbox.frames.wait(b"X", message["id"], timeout=60)
        elif kind == "warmup":
            sandbox.frames.wait(b"K", timeout=60)
        elif kind == "interrupt" and any(f[0] == b"O" and f[1] == message.get("id") for f in sandbox.frames.list) \
                and not any(f[0] == b"X" and f[1] == message.get("id") for f in sandbox.frames.list):
            sandbox.frames.wait(b"X", message["id"], timeout=60)
        else:
            time.sleep(QUIET)
    return [f for f in sandbox.frames.list if f[0] != "EOF"]


def as_transcript(frames):
    """Frames in a transcript's terms, consecutive O (or E) of a cell joined."""
    shown = []
    for kind, cell_id, payload in frames:
        kind = kind.decode()
        if shown and kind in "OE" and shown[-1]["type"] == kind and shown[-1]["id"] == cell_id:
            shown[-1]["bytes"] += payload
            continue
        shown.append({"type": kind, "id": cell_id, "bytes": payload})
    return shown


def matches(expected, actual):
    """Why an actual frame is not the expected one, or None."""
    if (expected["type"], expected["id"]) != (actual["type"], actual["id"]):
        return "expected %s %d, got %s %d" % (expected["type"], expected["id"], actual["type"], actual["id"])
    payload = actual["bytes"]
    if "text" in expected and payload != expected["text"].encode():
        return "%s %d: expected text %r, got %r" % (expected["type"], expected["id"], expected["text"], payload[:300])
    if "base64" in expected and payload != base64.b64decode(expected["base64"]):
        return "%s %d: other bytes" % (expected["type"], expected["id"])
    if "json" in expected and json.loads(payload) != expected["json"]:
        return "%s %d: expected %s, got %s" % (expected["type"], expected["id"], json.dumps(expected["json"]),
                                               payload[:300])
    if expected.get("png") and not payload.startswith(codelab_frames.PNG_MAGIC):
        return "%s %d: not a PNG" % (expected["type"], expected["id"])
    if not any(key in expected for key in ("text", "base64", "json", "png")) and payload:
        return "%s %d: expected no payload, got %r" % (expected["type"], expected["id"], payload[:100])
    return None


def transcripts():
    paths = sorted(glob.glob(os.path.join(PROTOCOL, "transcripts", "*.json")))
    for path in paths:
        with open(path, encoding="utf-8") as source:
            yield os.path.basename(path), json.load(source)


class TranscriptFormatTest(unittest.TestCase):
    """The transcripts themselves, without a sandbox: well-formed, and in the spec's order."""

    def test_transcripts_are_well_formed(self):
        names = []
        for name, transcript in transcripts():
            names.append(name)
            self.assertEqual(set(transcript) - {"about", "host", "frames", "outcome"}, set(), name)
            self.assertTrue(transcript["host"] and transcript["frames"], name)
            for frame in transcript["frames"]:
                self.assertIn(frame["type"].encode(), codelab_frames.HOST_KINDS, name)
                self.assertLessEqual(len([k for k in ("text", "base64", "json", "png") if k in frame]), 1, name)
                if frame["type"] in ("R", "D"):
                    self.assertIsNone(codelab_frames.bundle_problem(frame["json"]), name)
            ids = {frame["id"] for frame in transcript["frames"]} - {0}
            for cell_id in ids:
                kinds = [f["type"] for f in transcript["frames"] if f["id"] == cell_id]
                self.assertEqual(kinds[-3:], ["C", "W", "X"], (name, cell_id))
                if kinds[0] == "S":  # a cell that ran: S first, once
                    self.assertNotIn("S", kinds[1:], (name, cell_id))
                else:  # a cell that never ran: nothing but C, W, X
                    self.assertEqual(kinds, ["C", "W", "X"], (name, cell_id))
        self.assertGreaterEqual(len(names), 8)


@unittest.skipIf(REASON, REASON)
class TranscriptReplayTest(unittest.TestCase):
    def test_every_transcript(self):
        for name, transcript in transcripts():
            with self.subTest(transcript=name):
                sandbox = Sandbox()
                try:
                    actual = as_transcript(replay(sandbox, transcript["host"]))
                finally:
                    code = sandbox.close()
                self.assertEqual(code, 0, name)
                expected = transcript["frames"]
                problems = [matches(e, a) for e, a in zip(expected, actual)]
                problems = [p for p in problems if p]
                if len(expected) != len(actual):
                    problems.append("%d frames expected, %d sent: %s" % (
                        len(expected), len(actual), [(f["type"], f["id"]) for f in actual]))
                self.assertEqual(problems, [], name)


@unittest.skipIf(REASON, REASON)
class PreloadedKernelTest(unittest.TestCase):
    """The warm path (--preload, warm-up) and the program's jail, in one sandbox."""

    def test_preloaded_kernel(self):
        sandbox = Sandbox(preload=True)
        try:
            sandbox.send(WARMUP)
            self.assertTrue(sandbox.frames.wait(b"K", timeout=120), "no K after the warm-up")
            code = ("import os, signal, pandas as pd, matplotlib.pyplot as plt\n"
                    "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Cap')]\n"
                    "print(os.getuid(), os.getgid(), set(caps))\n"
                    "for attempt in (lambda: os.kill(1, signal.SIGKILL), lambda: open('/proc/1/fd/1', 'wb'),\n"
                    "                lambda: open('/proc/1/mem', 'rb').read(1), lambda: os.setuid(0)):\n"
                    "    try:\n        attempt()\n        print('allowed')\n"
                    "    except OSError as error:\n        print(type(error).__name__)\n"
                    "display(pd.DataFrame({'a': [1, 2]}))\nplt.plot([1, 2])\npd.Series([1, 2]).sum()")
            sandbox.send(cell(1, code))
            self.assertTrue(sandbox.frames.wait(b"X", 1, timeout=60))
            sandbox.send(cell(2, "from tqdm.notebook import tqdm\nfor i in tqdm(range(3), mininterval=0):\n    pass"))
            self.assertTrue(sandbox.frames.wait(b"X", 2, timeout=60))
            for cell_id in range(3, 12):
                sandbox.send(cell(cell_id, "print(%d)" % cell_id))
                self.assertTrue(sandbox.frames.wait(b"X", cell_id, timeout=60))
            frames = [f for f in sandbox.frames.list if f[0] != "EOF"]
        finally:
            self.assertEqual(sandbox.close(), 0)
        self.assertIn(b"codelab-runner-ready\n", sandbox.stderr_text)
        out = b"".join(p for k, c, p in frames if k == b"O" and c == 1).decode()
        self.assertEqual(out.splitlines()[0], "1000 1000 {'0000000000000000'}")
        self.assertNotIn("allowed", out)
        kinds = [k for k, c, p in frames if c == 1]
        self.assertIn(b"D", kinds)
        self.assertIn(b"F", kinds)
        self.assertEqual(json.loads([p for k, c, p in frames if k == b"R" and c == 1][0]), {"text/plain": "3"})
        bar = b"".join(p for k, c, p in frames if k == b"E" and c == 2).decode()  # one line, redrawn by \r
        self.assertRegex(bar, r"^(\r[^\r\n]*){3,}\r100%\|[^\r\n]*\| 3/3 [^\r\n]*\n$")
        for cell_id in range(1, 12):
            report = json.loads([p for k, c, p in frames if k == b"X" and c == cell_id][0])
            self.assertEqual((report["exitCode"], report["ended"], report["problem"]), (0, False, None), cell_id)


if __name__ == "__main__":
    unittest.main()
