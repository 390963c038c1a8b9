#!/usr/bin/env python3
"""make bench, issue 20: sessions that outlive their replica. Two services share one sessions
directory, as pods share a ReadWriteMany volume. Replica A holds N live sessions (each with a
pandas DataFrame) and gets SIGTERM: how long it takes to save them all and exit (against A's exit
with none), so how many fit in the drain timeout. Then every session's next cell goes to replica B,
which takes it over and restores it: time to its first output, against the reference executor's
trivial run, interleaved.

    handover.py ROOTFS JAR REFERENCE_URL       (bench/run.sh starts the reference)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from client import call, failures, first_output, percentile, post

ROOTFS, JAR, REFERENCE = sys.argv[1:4]
SHARED = "/run/codelab-bench-sessions"
DRAIN_TIMEOUT = 60  # seconds: the manifests' CODELAB_SESSION_DRAIN_TIMEOUT
STATE = "import pandas as pd\nframe = pd.DataFrame({'v': range(100_000)})\nprint(len(frame))"


class Replica:
    """One service on loopback, started by bench/services.sh's serve(), sharing the sessions directory."""

    def __init__(self, name, port):
        self.name, self.port = name, port
        self.api = f"http://127.0.0.1:{port}/v1/sessions"
        options = [f"-Dcodelab.session.shared-dir={SHARED}", f"-Dcodelab.session.pod={name}",
                   "-Dcodelab.session.hibernate-after=30m", "-Dcodelab.session.max-per-key=64",
                   "-Dcodelab.session.max-open=64", "-Dcodelab.session.drain-timeout=300s",
                   '-Dquarkus.log.category."dev.codelab.sandbox.session".level=INFO']
        script = '. bench/services.sh; serve "$@"; echo "${pids[0]}"; wait'
        self.shell = subprocess.Popen(["bash", "-c", script, "serve", str(port), f"codelab-bench-{name}", *options],
                                      env={**os.environ, "rootfs": ROOTFS, "jar": JAR}, stdout=subprocess.PIPE,
                                      text=True)
        self.pid = int(self.shell.stdout.readline())
        deadline = time.time() + 180
        while call_status("GET", f"http://127.0.0.1:{port + 1000}/q/health/ready") != 200:
            if time.time() > deadline:
                raise SystemExit(f"replica {name} did not become ready: /tmp/codelab-bench-{name}.log")
            time.sleep(1)

    def stop(self):
        """SIGTERM; seconds until the process is gone."""
        start = time.perf_counter()
        os.kill(self.pid, signal.SIGTERM)
        self.shell.wait(timeout=600)
        return time.perf_counter() - start

    def saved(self):
        with open(f"/tmp/codelab-bench-{self.name}.log", errors="replace") as log:
            found = re.findall(r"shutdown: (\d+) of (\d+) live sessions saved", log.read())
        return tuple(map(int, found[-1])) if found else (0, 0)


def call_status(method, url):
    try:
        return call(method, url)[0]
    except OSError:
        return None


def open_sessions(replica, count):
    ids = []
    for _ in range(count):
        status, body = call("POST", replica.api, {})
        if status != 201:
            failures.append(("session create", status, body[:200]))
            continue
        session = re.search(rb'"id":"([^"]+)"', body).group(1).decode()
        post(f"{replica.api}/{session}/executions", STATE, 0)
        ids.append(session)
    return ids


def main():
    rows, resumes, references, per_session = [], [], [], []
    baseline = None
    for count in (0, 1, 8, 32):
        shutil.rmtree(SHARED, ignore_errors=True)
        a, b = Replica("a", 18183), Replica("b", 18185)
        sessions = open_sessions(a, count)
        drained = a.stop()
        saved, live = a.saved()
        if count == 0:
            baseline = drained
        else:
            rows.append((count, drained, drained - baseline, saved, live))
            per_session.append((drained - baseline) / count)
        for session in sessions:
            references.append(post(REFERENCE, "print(1)", 0)[0])
            first, _ = first_output(f"{b.api}/{session}/executions", "print(len(frame))")
            if first is None:
                failures.append(("hand-over", session))
            else:
                resumes.append(first)
            call("DELETE", f"{b.api}/{session}")  # B's own drain is not what is measured
        b.stop()
    shutil.rmtree(SHARED, ignore_errors=True)

    lines = ["| drain: N live sessions (a 100k-row DataFrame each) saved at SIGTERM | SIGTERM to exit "
             "| beyond an exit with none | saved | per session |", "|---|---|---|---|---|"]
    lines += [f"| N = {count} | {drained:.1f} s | {extra:.1f} s | {saved} of {live} | {extra / count:.2f} s |"
              for count, drained, extra, saved, live in rows]
    fits = int(DRAIN_TIMEOUT / max(per_session)) if per_session else 0
    lines.append(f"\nAt the slowest rate measured, a {DRAIN_TIMEOUT} s drain timeout saves about {fits} such sessions; "
                 "the rest end (`shutdown`), the least recently used saved first.\n")
    if resumes:
        ratio = percentile(resumes, 50) / percentile(references, 50)
        lines += ["| hand-over: a cell on replica B for a session A saved | p50 / p95 | reference `print(1)` p50 | ratio p50 |",
                  "|---|---|---|---|",
                  f"| take-over + restore to first output ({len(resumes)} sessions) "
                  f"| {percentile(resumes, 50) * 1000:.0f} / {percentile(resumes, 95) * 1000:.0f} ms "
                  f"| {percentile(references, 50) * 1000:.0f} ms | **{ratio:.2f}×** |"]
    lines.append(f"\nFailed or wrong answers: {len(failures)}" + (f" — first: {failures[0]}" if failures else ""))
    print("\n".join(lines), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
