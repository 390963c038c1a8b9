#!/usr/bin/env python3
"""make bench-monitoring: what gVisor runtime monitoring costs a run. Two copies of the service,
one watching its sandboxes and one not, get the same cells, interleaved, in one session; prints
a Markdown table of medians and ratios (watched ÷ unwatched).

Per run: wall time as the client sees it, and the sandbox's CPU time (its cgroup, `usage.cpuMs`:
the sentry's trace points are paid there). Per service: the CPU of its monitor thread per run."""
import json
import os
import statistics
import sys
import time
import urllib.request

WATCHED, UNWATCHED = sys.argv[1:3]
PIDS = {WATCHED: int(sys.argv[3]), UNWATCHED: int(sys.argv[4])}
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 20
PLOT = ("import numpy as np, pandas as pd\nimport matplotlib.pyplot as plt\n"
        "df = pd.DataFrame({'x': np.arange(200), 'y': np.random.default_rng(1).normal(size=200).cumsum()})\n"
        "df.to_csv('data.csv')\ndf = pd.read_csv('data.csv')\n"
        "df.plot(x='x', y='y')\nplt.show()\ndf.describe()")
WORKLOADS = {  # name: (code, extra request fields, rounds)
    "pandas + matplotlib plot, warm": (PLOT, {}, ROUNDS),
    # A diskMb other than the image's starts the sandbox cold: imports and all (~1700 trace events).
    "pandas + matplotlib plot, cold": (PLOT, {"limits": {"diskMb": 32}}, max(4, ROUNDS // 3)),
    "trivial `print`, warm": ("print(1)", {}, ROUNDS),
    # The worst case: every call traced. Most of these events are dropped (the service reads a
    # sandbox at a bounded rate), but the sandbox pays for each: this row is the price of one.
    "20 000 opens, warm (an event each)": ("for _ in range(20000):\n    open('/etc/hostname').close()", {},
                                           max(4, ROUNDS // 3)),
}
failures = []


def post(url, code, fields):
    body = json.dumps({"code": code, **fields}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    if answer.get("status") != "ok":
        failures.append((url, answer.get("status"), answer.get("stderr", "")[-300:]))
    return time.perf_counter() - start, answer["usage"]["cpuMs"] / 1000


def monitor_cpu(pid):
    """CPU seconds of the service's sandbox-monitor thread so far (0 if it has none)."""
    ticks = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                if comm.read().strip() != "sandbox-monitor":
                    continue
            with open(f"/proc/{pid}/task/{task}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def main():
    for code, fields, _ in WORKLOADS.values():
        for target in (WATCHED, UNWATCHED):
            post(target, code, fields)
    lines = ["| workload (runs each) | wall p50 watched / unwatched | ratio | sandbox CPU p50 watched / unwatched "
             "| ratio | monitor thread CPU per run |", "|---|---|---|---|---|---|"]
    for name, (code, fields, rounds) in WORKLOADS.items():
        wall = {WATCHED: [], UNWATCHED: []}
        cpu = {WATCHED: [], UNWATCHED: []}
        before = monitor_cpu(PIDS[WATCHED])
        for i in range(rounds):
            for target in ((WATCHED, UNWATCHED) if i % 2 == 0 else (UNWATCHED, WATCHED)):
                took, sandbox_cpu = post(target, code, fields)
                wall[target].append(took)
                cpu[target].append(sandbox_cpu)
            time.sleep(0.3)  # the pools refill alike
        listener = (monitor_cpu(PIDS[WATCHED]) - before) / rounds
        w = [statistics.median(wall[t]) for t in (WATCHED, UNWATCHED)]
        c = [statistics.median(cpu[t]) for t in (WATCHED, UNWATCHED)]
        lines.append(f"| {name} ({rounds}) | {w[0] * 1000:.0f} / {w[1] * 1000:.0f} ms | **{w[0] / w[1]:.3f}×** "
                     f"| {c[0] * 1000:.0f} / {c[1] * 1000:.0f} ms | **{c[0] / c[1]:.3f}×** | {listener * 1000:.1f} ms |")
    print("\n".join(lines) + f"\n\nFailed answers: {len(failures)}" + (f" — first: {failures[0]}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
