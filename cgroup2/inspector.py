"""Guest side of the cgroup v2 suite: a read-only JSON view of the pod's cgroups on a port.

    python3 inspector.py PORT POD_DIR

GET / answers {"pod": ..., "live": {name: snapshot}, "seen": {name: last snapshot}, "runsc": n}.
A sandbox's cgroup is removed soon after its run, so a thread keeps the last snapshot of every
sandbox cgroup it has seen (sampled every 100 ms) for the host to check afterwards.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, POD = int(sys.argv[1]), sys.argv[2]
PARENT = os.path.join(POD, "codelab")
seen = {}


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def keyed(path):
    text = read(path) or ""
    return {key: int(value) for key, value in (line.split() for line in text.splitlines())}


def snapshot(cgroup):
    procs = read(os.path.join(cgroup, "cgroup.procs"))
    value = {name: read(os.path.join(cgroup, name))
             for name in ("cpu.max", "memory.max", "memory.swap.max", "pids.max", "memory.peak", "memory.current")}
    value["cpu.stat"] = keyed(os.path.join(cgroup, "cpu.stat"))
    value["memory.events"] = keyed(os.path.join(cgroup, "memory.events"))
    value["procs"] = len(procs.split()) if procs else 0
    return value


def live():
    try:
        names = [n for n in os.listdir(PARENT) if os.path.isdir(os.path.join(PARENT, n))]
    except OSError:
        return {}
    snapshots = {}
    for name in names:
        value = snapshot(os.path.join(PARENT, name))
        # A cgroup removed while it was being read leaves a partial snapshot: keep the last whole one.
        if value["cpu.max"] is not None and value["memory.current"] is not None and value["memory.events"]:
            snapshots[name] = value
    return snapshots


def runsc_processes():
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            count += "runsc" in os.readlink(f"/proc/{pid}/exe")
        except OSError:
            pass
    return count


def sample():
    while True:
        seen.update(live())
        time.sleep(0.1)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({
            "pod": {"subtree_control": read(os.path.join(POD, "cgroup.subtree_control")),
                    "procs": read(os.path.join(POD, "cgroup.procs")),
                    "parent_subtree_control": read(os.path.join(PARENT, "cgroup.subtree_control"))},
            "live": live(), "seen": dict(seen), "runsc": runsc_processes()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


threading.Thread(target=sample, daemon=True).start()
ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
