#!/usr/bin/env python3
"""make bench: codelab-sandbox against the unsafe subprocess executor it replaces, side by side
in one run, on the same machine and root filesystem. Prints a Markdown table of ratios.

Targets (started by the Makefile): the service with its warm pool, the same service with an
empty pool (every run restored on demand), and bench/reference_executor.py."""
import json
import statistics
import sys
import threading
import time
import urllib.request

SERVICE, EMPTY_POOL, REFERENCE = sys.argv[1:4]
WORKLOADS = {
    "trivial `print`": ("print(1)", 0),
    "`import numpy`": ("import numpy\nprint(numpy.__version__)", 0),
    "pandas + matplotlib plot as PNG": ("import pandas as pd\nimport matplotlib.pyplot as plt\n"
                                        "df = pd.DataFrame({'x': range(50), 'y': [i * i for i in range(50)]})\n"
                                        "df.plot(x='x', y='y')\nplt.show()", 1),
}
# Notebook cells that import what the warm image does not preload (concurrency 1 only).
NOTEBOOK_WORKLOADS = {
    "`import sklearn` + a fit": ("import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
                                 "print(LinearRegression().fit(np.arange(20).reshape(-1, 1), np.arange(20)).coef_)", 0),
    "seaborn plot": ("import seaborn as sns\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
                     "df = pd.DataFrame({'x': range(30), 'y': [i % 7 for i in range(30)]})\n"
                     "sns.scatterplot(data=df, x='x', y='y')\nplt.show()", 1),
}
failures = []


def post(url, code, figures):
    body = json.dumps({"code": code}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    took = time.perf_counter() - start
    if answer.get("status") != "ok" or len(answer.get("figures", [])) != figures:
        failures.append((url, answer.get("status"), answer.get("stderr", "")[-300:]))
    return took


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def interleaved(targets, code, figures, rounds, concurrency):
    """Each worker alternates between the targets, so both see the same machine state."""
    times = {target: [] for target in targets}
    lock = threading.Lock()

    def worker(offset):
        for i in range(rounds):
            order = targets if (i + offset) % 2 == 0 else list(reversed(targets))
            for target in order:
                took = post(target, code, figures)
                with lock:
                    times[target].append(took)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return times


def throughput(url, code, figures, concurrency, seconds):
    done = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        while time.perf_counter() < deadline:
            post(url, code, figures)
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return done[0] / (time.perf_counter() - start)


def burst(url, code, clients):
    """N clients at once: how many are turned away (429), and how long the accepted ones took."""
    results = []
    lock = threading.Lock()

    def client():
        body = json.dumps({"code": code}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.load(response)
                outcome = (200, time.perf_counter() - start, answer["usage"]["wallMs"] / 1000)
        except urllib.error.HTTPError as e:
            outcome = (e.code, time.perf_counter() - start, 0.0)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


def pooled_sandbox_memory(cgroup_parent):
    """Host memory of each restored sandbox waiting in the pool (no CPU quota until claimed)."""
    import glob
    sizes = []
    for cpu in glob.glob(f"/sys/fs/cgroup/cpu/{cgroup_parent}/codelab-warm-*"):
        if open(cpu + "/cpu.cfs_quota_us").read().strip() == "-1":
            memory = cpu.replace("/cpu/", "/memory/")
            sizes.append(int(open(memory + "/memory.usage_in_bytes").read()))
    return sizes


def row(name, service, reference):
    s50, s95 = percentile(service, 50), percentile(service, 95)
    r50, r95 = percentile(reference, 50), percentile(reference, 95)
    return (f"| {name} | {s50 * 1000:.0f} / {s95 * 1000:.0f} ms | {r50 * 1000:.0f} / {r95 * 1000:.0f} ms "
            f"| **{s50 / r50:.3f}×** / {s95 / r95:.3f}× |")


def main():
    for code, figures in WORKLOADS.values():
        for target in (SERVICE, EMPTY_POOL, REFERENCE):
            post(target, code, figures)
    lines = ["| workload | service p50 / p95 | reference p50 / p95 | ratio p50 / p95 |", "|---|---|---|---|"]
    for concurrency, rounds in ((1, 15), (4, 6)):
        for name, (code, figures) in WORKLOADS.items():
            times = interleaved([SERVICE, REFERENCE], code, figures, rounds, concurrency)
            lines.append(row(f"{name}, concurrency {concurrency}", times[SERVICE], times[REFERENCE]))
            time.sleep(2)  # let the pool refill between workloads
    for name, (code, figures) in NOTEBOOK_WORKLOADS.items():
        post(SERVICE, code, figures)
        post(REFERENCE, code, figures)
        times = interleaved([SERVICE, REFERENCE], code, figures, 6, 1)
        lines.append(row(f"{name}, concurrency 1", times[SERVICE], times[REFERENCE]))
        time.sleep(2)
    trivial = WORKLOADS["trivial `print`"]
    empty = interleaved([EMPTY_POOL, REFERENCE], trivial[0], trivial[1], 10, 1)
    lines.append(row("trivial `print`, pool empty (restore on demand)", empty[EMPTY_POOL], empty[REFERENCE]))
    lines += ["", "| throughput, concurrency 4, 30 s | service | reference | ratio |", "|---|---|---|---|"]
    for name in ("trivial `print`", "pandas + matplotlib plot as PNG"):
        code, figures = WORKLOADS[name]
        service = throughput(SERVICE, code, figures, 4, 30)
        reference = throughput(REFERENCE, code, figures, 4, 30)
        lines.append(f"| {name} | {service:.2f}/s | {reference:.2f}/s | **{service / reference:.2f}×** |")
    time.sleep(5)
    queue_bound = float(sys.argv[5])
    lines += ["", f"| burst of concurrent clients (pandas plot; 4 running + 8 queued, wait ≤ {queue_bound:.0f} s) "
                  "| 200 | 429 | accepted p50 / p99 | longest wait of an accepted run | other statuses |",
              "|---|---|---|---|---|---|"]
    for clients in (10, 30):
        outcomes = burst(SERVICE, WORKLOADS["pandas + matplotlib plot as PNG"][0], clients)
        accepted = [took for code, took, _ in outcomes if code == 200]
        waits = [took - run for code, took, run in outcomes if code == 200]
        rejected = sum(1 for code, _, _ in outcomes if code == 429)
        others = sorted({code for code, _, _ in outcomes} - {200, 429})
        lines.append(f"| {clients} clients | {len(accepted)} | {rejected} ({rejected / clients:.0%}) "
                     f"| {percentile(accepted, 50) * 1000:.0f} / {percentile(accepted, 99) * 1000:.0f} ms "
                     f"| {max(waits):.1f} s {'(within the bound)' if max(waits) <= queue_bound else '(PAST THE BOUND)'} "
                     f"| {others or 'none'} |")
        if others or max(waits) > queue_bound:
            failures.append(("burst", clients, others))
        time.sleep(3)
    memory = pooled_sandbox_memory(sys.argv[4])
    if memory:
        lines += ["", f"Host memory per pooled sandbox (cgroup usage, {len(memory)} waiting): "
                      f"mean {statistics.mean(memory) / 2**20:.0f} MiB, max {max(memory) / 2**20:.0f} MiB."]
    lines.append("")
    lines.append(f"Failed or wrong answers: {len(failures)}" + (f" — first: {failures[0]}" if failures else ""))
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
