#!/usr/bin/env python3
"""make bench: codelab-sandbox against the unsafe subprocess executor it replaces, side by side
in one run, on the same machine and root filesystem. Prints Markdown tables: the host, ratios, single
runs' and sessions' throughput, where a warm run's time and CPU go, sessions, and the targets of
issues 11 and 21, each met or missed.

Targets (started by bench/run.sh): the service with its warm pool, the same service with an
empty pool (every run restored on demand), and bench/reference_executor.py. Every client thread
keeps its HTTP connection open, as a backend's connection pool would (the reference answers
HTTP/1.0 and closes it, so it pays for a connection each time)."""
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

from client import call, failures, first_output, percentile, post

SERVICE, EMPTY_POOL, REFERENCE = sys.argv[1:4]
CGROUP_PARENT = sys.argv[4]
QUEUE_BOUND = float(sys.argv[5])
SESSIONS = SERVICE.replace("/v1/executions", "/v1/sessions")
SERVICE_LOG = f"/tmp/{CGROUP_PARENT}.log"  # bench/run.sh's log of the service (RunTimeline at DEBUG)
CGROUPS = "/sys/fs/cgroup"
TRIVIAL = "trivial `print`"
PLOT = "pandas + matplotlib plot as PNG"
WORKLOADS = {
    TRIVIAL: ("print(1)", 0),
    "`import numpy`": ("import numpy\nprint(numpy.__version__)", 0),
    PLOT: ("import pandas as pd\nimport matplotlib.pyplot as plt\n"
           "df = pd.DataFrame({'x': range(50), 'y': [i * i for i in range(50)]})\n"
           "df.plot(x='x', y='y')\nplt.show()", 1),
}
# Notebook cells that import what the base profile does not preload: they run on the ml profile (concurrency 1 only).
NOTEBOOK_WORKLOADS = {
    "`import sklearn` + a fit": ("import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
                                 "print(LinearRegression().fit(np.arange(20).reshape(-1, 1), np.arange(20)).coef_)", 0),
    "seaborn plot": ("import seaborn as sns\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
                     "df = pd.DataFrame({'x': range(30), 'y': [i % 7 for i in range(30)]})\n"
                     "sns.scatterplot(data=df, x='x', y='y')\nplt.show()", 1),
}
# The program's own clock (the sandbox's, which follows the host's): when the cell began, and when
# the interpreter's exit began.
STAMPED = "import time, atexit\nprint(time.time())\natexit.register(lambda: print(time.time()))"
SKLEARN, SEABORN = list(NOTEBOOK_WORKLOADS)


def host():
    """The machine of the day: CPU model, cores, kernel."""
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{model}, {os.cpu_count()} cores, kernel {os.uname().release}"


def interleaved(targets, code, figures, rounds, concurrency):
    """Each worker alternates between the targets, so both see the same machine state."""
    times = {target: [] for target in targets}
    lock = threading.Lock()

    def worker(offset):
        for i in range(rounds):
            order = targets if (i + offset) % 2 == 0 else list(reversed(targets))
            for target in order:
                took, _ = post(target, code, figures)
                with lock:
                    times[target].append(took)

    run_threads(worker, range(concurrency))
    return times


def run_threads(target, arguments):
    threads = [threading.Thread(target=target, args=(argument,)) for argument in arguments]
    [t.start() for t in threads]
    [t.join() for t in threads]


def throughput(url, code, figures, concurrency, seconds):
    """Runs per second, and how many of the runs' sandboxes started which way (usage.sandboxStart)."""
    done, modes = [0], {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(_):
        while time.perf_counter() < deadline:
            _, answer = post(url, code, figures)
            mode = answer.get("usage", {}).get("sandboxStart", "reference")
            with lock:
                done[0] += 1
                modes[mode] = modes.get(mode, 0) + 1

    start = time.perf_counter()
    run_threads(worker, range(concurrency))
    return done[0] / (time.perf_counter() - start), modes


def session_throughput(code, figures, sessions, seconds):
    """Cells per second across N sessions, one client each (a notebook runs one cell at a time), each
    session's kernel warmed by one cell of the same code first."""
    ids = []
    for _ in range(sessions):
        status, body = call("POST", SESSIONS, {})
        if status != 201:
            failures.append(("session create", status, body[:200]))
            continue
        ids.append(json.loads(body)["id"])
        post(f"{SESSIONS}/{ids[-1]}/executions", code, figures)
    done, lock = [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(session):
        while time.perf_counter() < deadline:
            post(f"{SESSIONS}/{session}/executions", code, figures)
            with lock:
                done[0] += 1

    start = time.perf_counter()
    run_threads(worker, ids)
    rate = done[0] / (time.perf_counter() - start)
    for session in ids:
        call("DELETE", f"{SESSIONS}/{session}")
    return rate


def pooled_memory():
    """Mean host memory of each warm profile's waiting sandboxes, as GET /v1/runtimes reports it."""
    status, body = call("GET", SERVICE.replace("/v1/executions", "/v1/runtimes"), None)
    if status != 200:
        return {}
    return {profile["name"]: profile.get("pooledSandboxBytes") for profile in json.loads(body)[0].get("profiles", [])}


def burst(url, code, clients):
    """N clients at once, each on a connection of its own: how many are turned away (429), and how
    long the accepted ones took."""
    results = []
    lock = threading.Lock()

    def client(_):
        start = time.perf_counter()
        status, body = call("POST", url, {"code": code})
        took = time.perf_counter() - start
        outcome = (status, took, json.loads(body)["usage"]["wallMs"] / 1000 if status == 200 else 0.0)
        with lock:
            results.append(outcome)

    run_threads(client, range(clients))
    return results


def warm_profile(sandbox):
    """The warm profile a restored sandbox came from, by its runner's command line in its bundle:
    `--preload` is base's, `--preload=modules` ml's (bench/run.sh: the state dir is /run/<cgroup parent>)."""
    args = json.load(open(f"/run/{CGROUP_PARENT}/bundles/{sandbox}/config.json"))["process"]["args"]
    return "ml" if any(arg.startswith("--preload=") for arg in args) else "base"


def sandbox_cgroups(limited, profile=None):
    """Host memory and CPU seconds so far of each sandbox whose cgroup has run limits (limited: a
    session's or a run's) or has none (a restored sandbox waiting in the pool: no CPU quota until
    claimed; its CPU so far is its restore and warm-up), of one warm profile's pool if named."""
    sandboxes = []
    for cpu in glob.glob(f"{CGROUPS}/cpu/{CGROUP_PARENT}/codelab-*"):
        try:
            if profile and warm_profile(os.path.basename(cpu)) != profile:
                continue
            if (open(cpu + "/cpu.cfs_quota_us").read().strip() != "-1") == limited:
                memory = int(open(cpu.replace("/cpu/", "/memory/") + "/memory.usage_in_bytes").read())
                used = int(open(cpu.replace("/cpu/", "/cpuacct/") + "/cpuacct.usage").read())
                sandboxes.append((memory, used / 1e9))
        except (OSError, ValueError, KeyError):
            pass  # claimed or gone meanwhile
    return sandboxes


def row(name, service, reference):
    s50, s95 = percentile(service, 50), percentile(service, 95)
    r50, r95 = percentile(reference, 50), percentile(reference, 95)
    return (f"| {name} | {s50 * 1000:.0f} / {s95 * 1000:.0f} ms | {r50 * 1000:.0f} / {r95 * 1000:.0f} ms "
            f"| **{s50 / r50:.3f}×** / {s95 / r95:.3f}× |")


def service_pid():
    port = urllib.parse.urlsplit(SERVICE).port
    listening = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(re.search(r"pid=(\d+)", listening).group(1))


def cpu_seconds(pid):
    """The process's own user + system CPU (all its threads), in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpuacct(group):
    return int(open(f"{CGROUPS}/cpuacct/{group}/cpuacct.usage").read()) / 1e9


def breakdown(runs=20):
    """Where the time of one warm run goes: the service's RunTimeline marks (its log, at DEBUG), the
    program's own clock and the client's, all against the moment the client sent the request."""
    sent_at = {}
    for _ in range(runs):
        time.sleep(0.5)  # the pool refills between runs, as at concurrency 1
        start = time.time()
        _, answer = post(SERVICE, STAMPED, 0)
        received = time.time()
        stamps = [float(x) for x in answer.get("stdout", "").split()]
        if len(stamps) == 2:
            sent_at[answer["id"]] = (start, received, stamps)
    time.sleep(1)
    log = open(SERVICE_LOG, encoding="utf-8", errors="replace").read()
    marks = {}
    for run_id, (start, received, (began, exiting)) in sent_at.items():
        found = re.search(rf"run {run_id} timeline: at=(\d+)(.*)", log)
        if not found:
            continue
        at = int(found.group(1)) / 1e6
        offsets = {"acquire": at - start, "code began": began - start, "exit began": exiting - start,
                   "client": received - start}
        for step, ms in re.findall(r" (\w+)=([\d.]+)", found.group(2)):
            offsets.setdefault(step, at - start + float(ms) / 1000)
        for step, seconds in offsets.items():
            marks.setdefault(step, []).append(seconds * 1000)
    teardown = [tuple(map(int, m)) for m in re.findall(
        r"torn down: queued (\d+) ms, exit (\d+) ms, cgroup and runsc state (\d+) ms, bundle (\d+) ms", log)][-runs:]
    steps = [("acquire", "service", "request read, validated, admitted; on a worker thread, asking for a sandbox"),
             ("acquired", "service", "pooled sandbox claimed, run limits on its cgroup"),
             ("sent", "service", "request written to the supervisor"),
             ("code began", "program", "the cell's first line runs (program's clock)"),
             ("STDOUT", "service", "its output frame read"),
             ("exit began", "program", "the cell is over; interpreter exit (atexit, program's clock)"),
             ("FILES", "service", "files frame read: program exited, reaped, workspace collected"),
             ("EXIT", "service", "exit report read"),
             ("result", "service", "usage read from the cgroup, status decided"),
             ("seen", "service", "security events read from the sandbox's trace socket (runtime monitoring)"),
             ("done", "service", "audit and metrics told, answer handed to HTTP"),
             ("client", "client", "whole answer received"),
             ("exited", "service", "sandbox gone (runsc returned); teardown queued")]
    lines = ["| step of a warm `print` run (20 runs, one at a time) | clock | ms after the client sent it, p50 |",
             "|---|---|---|"]
    for step, clock, what in steps:
        if step in marks:
            lines.append(f"| {what} | {clock} | {statistics.median(marks[step]):.1f} |")
    if teardown:
        queued, exit_wait, state, bundle = (statistics.median(t[i] for t in teardown) for i in range(4))
        lines.append(f"| teardown after that: queued {queued:.0f}, wait for exit {exit_wait:.0f}, cgroup and runsc "
                     f"state {state:.0f}, bundle {bundle:.0f} ms | service | — |")
    return lines


def cpu_per_run(runs=30):
    """CPU seconds of one warm trivial run, all its parts: the sandboxes' cgroups (sentry, its
    ptrace stubs and the gofer; the gofer sampled from /proc every 20 ms), the runsc command lines
    (the service's own cgroup minus its own threads: runsc moves sentry and gofer into the
    sandbox's cgroup), and the JVM. Each run uses up a pooled sandbox, so a restore is included."""
    pid = service_pid()
    own = f"{CGROUP_PARENT}-service"
    os.makedirs(f"{CGROUPS}/cpuacct/{own}", exist_ok=True)
    with open(f"{CGROUPS}/cpuacct/{own}/cgroup.procs", "w") as procs:
        procs.write(str(pid))  # runsc command lines started from now on are counted here
    gofers, stop = {}, threading.Event()

    def sample():
        while not stop.is_set():
            for procs in glob.glob(f"{CGROUPS}/cpuacct/{CGROUP_PARENT}/*/cgroup.procs"):
                try:
                    for gofer in open(procs).read().split():
                        if open(f"/proc/{gofer}/cmdline", "rb").read().startswith(b"runsc-gofer"):
                            gofers[gofer] = cpu_seconds(gofer)
                except OSError:
                    pass
            stop.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    time.sleep(3)
    before = (cpuacct(CGROUP_PARENT), cpuacct(own), cpu_seconds(pid), sum(gofers.values()))
    run_cpu = []
    for _ in range(runs):
        _, answer = post(SERVICE, WORKLOADS[TRIVIAL][0], 0)
        run_cpu.append(answer.get("usage", {}).get("cpuMs", 0) / 1000)
        time.sleep(0.3)
    time.sleep(5)  # the last teardowns and refills
    after = (cpuacct(CGROUP_PARENT), cpuacct(own), cpu_seconds(pid), sum(gofers.values()))
    stop.set()
    sampler.join()
    for task in open(f"{CGROUPS}/cpuacct/{own}/cgroup.procs").read().split():  # the service and its runsc
        with open(f"{CGROUPS}/cpuacct/cgroup.procs", "w") as procs:
            procs.write(task)
    os.rmdir(f"{CGROUPS}/cpuacct/{own}")
    sandboxes, service, jvm, gofer = (a - b for a, b in zip(after, before))
    parts = [("sentry and its stubs (the sandbox's cgroup, less the gofer)", sandboxes - gofer),
             ("gofer", gofer), ("runsc command lines (`runsc restore`, …)", service - jvm), ("JVM", jvm)]
    total = sandboxes + service
    lines = [f"| CPU of one warm trivial run, a restore included ({runs} runs, one at a time) | CPU ms per run | share |",
             "|---|---|---|"]
    lines += [f"| {name} | {seconds / runs * 1000:.0f} | {seconds / total:.0%} |" for name, seconds in parts]
    lines.append(f"| **total** | **{total / runs * 1000:.0f}** | |")
    for profile in ("base", "ml"):
        pooled = sandbox_cgroups(limited=False, profile=profile)
        if pooled:
            lines.append(f"| of the sandbox's: its restore and warm-up (a pooled `{profile}` sandbox's cgroup, "
                         f"mean of {len(pooled)}) | {statistics.mean(cpu for _, cpu in pooled) * 1000:.0f} | |")
    lines.append(f"| of the sandbox's: the run itself (`usage.cpuMs`) | {statistics.median(run_cpu) * 1000:.0f} | |")
    return lines, total / runs


def sessions(reference):
    """Issue 11: cells in a live session, resume of a hibernated one, and what a hibernated one holds."""
    results = {}

    def create(limits=None):
        status, body = call("POST", SESSIONS, {"limits": limits} if limits else {})
        if status != 201:
            failures.append(("session create", status, body[:200]))
            return None
        return json.loads(body)["id"]

    def state(session):
        return json.loads(call("GET", f"{SESSIONS}/{session}")[1])["state"]

    def await_hibernation(session, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if state(session) == "hibernated":
                return True
            time.sleep(0.5)
        failures.append(("session did not hibernate", session))
        return False

    lines = ["| sessions (one service, cells at concurrency 1, interleaved with the reference) "
             "| service p50 / p95 | reference p50 / p95 | ratio p50 / p95 |", "|---|---|---|---|"]
    session = create()
    if session is None:
        return lines, results
    cells = f"{SESSIONS}/{session}/executions"
    for name, key in ((TRIVIAL, "cell print"), (PLOT, "cell plot")):
        code, figures = WORKLOADS[name]
        post(cells, code, figures)
        times = interleaved([cells, reference], code, figures, 15, 1)
        lines.append(row(f"cell in a live session: {name}", times[cells], times[reference]))
        results[key] = percentile(times[cells], 50) / percentile(times[reference], 50)
    call("DELETE", f"{SESSIONS}/{session}")

    resumes, held, images, teardowns = [], [], [], []
    for _ in range(4):
        session = create()
        post(f"{SESSIONS}/{session}/executions", "x = 41", 0)
        if not await_hibernation(session):
            continue
        hibernated_at, sandboxes = time.time(), sandbox_cgroups(limited=True)
        while sandboxes and time.time() < hibernated_at + 15:  # its sandbox's teardown runs in the background
            time.sleep(0.1)
            sandboxes = sandbox_cgroups(limited=True)
        held.append(sandboxes)
        teardowns.append(time.time() - hibernated_at)
        image = glob.glob(f"/run/{CGROUP_PARENT}/sessions/hibernated/{session}/image")  # the sessions directory
        images.append(sum(os.path.getsize(f) for f in glob.glob(image[0] + "/*")) if image else 0)
        first, _ = first_output(f"{SESSIONS}/{session}/executions", "print(x + 1)")
        resumes.append(first)
        call("DELETE", f"{SESSIONS}/{session}")
    lines += ["", "| hibernated sessions (hibernate-after 2 s) | measured |", "|---|---|"]
    if resumes:
        results["resume"] = percentile(resumes, 50)
        results["held"] = max(sum(memory for memory, _ in sandboxes) for sandboxes in held)
        results["held sandboxes"] = max(len(sandboxes) for sandboxes in held)
        lines.append(f"| resume of a hibernated session (small state) to its first output, p50 / max of {len(resumes)} "
                     f"| {percentile(resumes, 50) * 1000:.0f} / {max(resumes) * 1000:.0f} ms |")
        lines.append(f"| host memory of a hibernated session: sandboxes with run limits while it sleeps (no run"
                     f" going on), most seen once its sandbox's teardown ended (at most 15 s) "
                     f"| {results['held sandboxes']}, holding {results['held'] / 2**20:.0f} MiB |")
        lines.append(f"| that teardown, from the state `hibernated` on, p50 / max "
                     f"| {percentile(teardowns, 50) * 1000:.0f} / {max(teardowns) * 1000:.0f} ms |")
        lines.append(f"| its checkpoint image on disk | {statistics.mean(images) / 2**20:.0f} MiB |")

    big = create({"memoryMb": 1024})
    if big:
        cells = f"{SESSIONS}/{big}/executions"
        post(cells, "import numpy as np, pandas as pd\n"
                    "df = pd.DataFrame(np.random.rand(1_310_720, 10))\nprint(df.memory_usage().sum() >> 20)", 0)
        restores = []
        for _ in range(2):
            if not await_hibernation(big, 120):
                break
            first, _ = first_output(cells, "print(df.shape)")
            restores.append(first)
        call("DELETE", f"{SESSIONS}/{big}")
        if restores:
            results["resume 100 MB"] = percentile(restores, 50)
            lines.append(f"| resume of a hibernated session holding a 100 MB DataFrame to its first output, "
                         f"each of {len(restores)} | {', '.join(f'{r * 1000:.0f}' for r in restores)} ms |")
    return lines, results


def verdict(met):
    return "**met**" if met else "missed"


def show(lines):
    """Prints a section as soon as it is measured."""
    print("\n".join(lines) + "\n", flush=True)


def main():
    for code, figures in WORKLOADS.values():
        for target in (SERVICE, EMPTY_POOL, REFERENCE):
            post(target, code, figures)
    interleaved([SERVICE], WORKLOADS[TRIVIAL][0], 0, 20, 2)  # the JVM compiles its hot paths, as in a long-lived service
    time.sleep(3)
    ratios = {}
    lines = ["| workload | service p50 / p95 | reference p50 / p95 | ratio p50 / p95 |", "|---|---|---|---|"]
    for concurrency, rounds in ((1, 15), (4, 6)):
        for name, (code, figures) in WORKLOADS.items():
            times = interleaved([SERVICE, REFERENCE], code, figures, rounds, concurrency)
            lines.append(row(f"{name}, concurrency {concurrency}", times[SERVICE], times[REFERENCE]))
            ratios[(name, concurrency)] = percentile(times[SERVICE], 50) / percentile(times[REFERENCE], 50)
            if (name, concurrency) == (TRIVIAL, 1):
                reference_print = percentile(times[REFERENCE], 50)
            time.sleep(2)  # let the pool refill between workloads
    for name, (code, figures) in NOTEBOOK_WORKLOADS.items():
        post(SERVICE, code, figures)
        post(REFERENCE, code, figures)
        times = interleaved([SERVICE, REFERENCE], code, figures, 6, 1)
        lines.append(row(f"{name}, concurrency 1 (ml profile)", times[SERVICE], times[REFERENCE]))
        ratios[(name, 1)] = percentile(times[SERVICE], 50) / percentile(times[REFERENCE], 50)
        time.sleep(2)
    trivial = WORKLOADS[TRIVIAL]
    empty = interleaved([EMPTY_POOL, REFERENCE], trivial[0], trivial[1], 10, 1)
    lines.append(row("trivial `print`, pool empty (restore on demand)", empty[EMPTY_POOL], empty[REFERENCE]))
    ratios["empty"] = percentile(empty[EMPTY_POOL], 50) / percentile(empty[REFERENCE], 50)
    show([f"Host: {host()}; the reference's own `print(1)`, p50: {reference_print * 1000:.0f} ms."] + [""] + lines)

    lines = ["| throughput, concurrency 4 | service | reference | ratio | service's sandboxes |", "|---|---|---|---|---|"]
    reference_rates = {}
    for name, seconds in ((TRIVIAL, 60), (PLOT, 30)):
        code, figures = WORKLOADS[name]
        service, modes = throughput(SERVICE, code, figures, 4, seconds)
        reference, _ = throughput(REFERENCE, code, figures, 4, seconds)
        reference_rates[name] = reference
        ratios[("throughput", name)] = service / reference
        started = ", ".join(f"{count} {mode}" for mode, count in sorted(modes.items()))
        lines.append(f"| single runs: {name}, {seconds} s | {service:.2f}/s | {reference:.2f}/s "
                     f"| **{service / reference:.2f}×** | {started} |")
        time.sleep(5)
    for name, seconds in ((TRIVIAL, 30), (PLOT, 30)):
        code, figures = WORKLOADS[name]
        cells = session_throughput(code, figures, 4, seconds)
        ratios[("sessions", name)] = cells / reference_rates[name]
        lines.append(f"| cells across 4 sessions: {name}, {seconds} s | {cells:.2f}/s | {reference_rates[name]:.2f}/s "
                     f"| **{cells / reference_rates[name]:.2f}×** | 4 live sessions |")
        time.sleep(3)
    show(lines)

    lines = [f"| burst of concurrent clients (pandas plot; 4 running + 8 queued, wait ≤ {QUEUE_BOUND:.0f} s) "
             "| 200 | 429 | accepted p50 / p99 | longest wait of an accepted run | other statuses |",
             "|---|---|---|---|---|---|"]
    for clients in (10, 30):
        outcomes = burst(SERVICE, WORKLOADS[PLOT][0], clients)
        accepted = [took for code, took, _ in outcomes if code == 200]
        waits = [took - run for code, took, run in outcomes if code == 200]
        rejected = sum(1 for code, _, _ in outcomes if code == 429)
        others = sorted({code for code, _, _ in outcomes} - {200, 429})
        lines.append(f"| {clients} clients | {len(accepted)} | {rejected} ({rejected / clients:.0%}) "
                     f"| {percentile(accepted, 50) * 1000:.0f} / {percentile(accepted, 99) * 1000:.0f} ms "
                     f"| {max(waits):.1f} s {'(within the bound)' if max(waits) <= QUEUE_BOUND else '(PAST THE BOUND)'} "
                     f"| {others or 'none'} |")
        if others or max(waits) > QUEUE_BOUND:
            failures.append(("burst", clients, others))
        time.sleep(3)
    show(lines)

    time.sleep(5)
    memory = [bytes_ for bytes_, _ in sandbox_cgroups(limited=False)]
    per_profile = pooled_memory()
    if memory:
        show([f"Host memory of pooled sandboxes (cgroup usage, {len(memory)} waiting, every profile): "
              f"mean {statistics.mean(memory) / 2**20:.0f} MiB, max {max(memory) / 2**20:.0f} MiB; per profile "
              "(GET /v1/runtimes): " + ", ".join(f"{name} {held / 2**20:.0f} MiB" if held else f"{name} none waiting"
                                                 for name, held in per_profile.items()) + "."])
    show(breakdown())
    cpu_lines, cpu_per = cpu_per_run()
    bound = os.cpu_count() / cpu_per
    measured = ratios[("throughput", TRIVIAL)] * reference_rates[TRIVIAL]
    cpu_lines += ["", f"Single runs at concurrency 4 are bounded by CPU: {os.cpu_count()} cores / {cpu_per:.3f} CPU-s "
                  f"per run = {bound:.2f} runs/s at most; measured {measured:.2f}/s ({measured / bound:.0%} of it)."]
    show(cpu_lines)
    session_lines, session = sessions(REFERENCE)
    show(session_lines)

    targets = [
        ("`import sklearn` + a fit, single run (21)", f"{ratios[(SKLEARN, 1)]:.3f}×", "≤ 0.3×", ratios[(SKLEARN, 1)] <= 0.3),
        ("seaborn plot, single run (21)", f"{ratios[(SEABORN, 1)]:.3f}×", "≤ 0.3×", ratios[(SEABORN, 1)] <= 0.3),
        ("pandas + matplotlib plot, single run (21)", f"{ratios[(PLOT, 1)]:.3f}×", "≤ 0.2×", ratios[(PLOT, 1)] <= 0.2),
        ("trivial `print`, single run (21)", f"{ratios[(TRIVIAL, 1)]:.3f}×", "≤ 0.05×", ratios[(TRIVIAL, 1)] <= 0.05),
    ]
    for name in (TRIVIAL, PLOT):
        targets.append((f"cells across 4 sessions at concurrency 4, {name} (21)", f"{ratios[('sessions', name)]:.2f}×",
                        "≥ 10×", ratios[("sessions", name)] >= 10))
    for name in (TRIVIAL, PLOT):
        targets.append((f"single-run throughput at concurrency 4, {name} (21)", f"{ratios[('throughput', name)]:.2f}×",
                        "≥ 1×", ratios[("throughput", name)] >= 1))
    targets += [(f"memory per pooled sandbox, {name} profile", f"{held / 2**20:.0f} MiB", "measured", True)
                for name, held in per_profile.items() if held]
    if "cell print" in session:
        targets += [("cell `print(1)` in a live session (11)", f"{session['cell print']:.3f}×", "≤ 0.03×",
                     session["cell print"] <= 0.03),
                    ("pandas + matplotlib plot cell (11)", f"{session['cell plot']:.3f}×", "≤ 0.15×",
                     session["cell plot"] <= 0.15)]
    if "resume" in session:
        targets += [("resume of a hibernated session to first output, p50 (11)", f"{session['resume'] * 1000:.0f} ms",
                     "≤ 500 ms", session["resume"] <= 0.5),
                    ("host memory of a hibernated session (11)", f"{session['held'] / 2**20:.0f} MiB "
                     f"({session['held sandboxes']} sandboxes)", "0", session["held sandboxes"] == 0)]
    if "resume 100 MB" in session:
        targets.append(("resume with a 100 MB DataFrame to first output (11)",
                        f"{session['resume 100 MB'] * 1000:.0f} ms", "measured", True))
    lines = ["| target (issue) | measured | target | |", "|---|---|---|---|"]
    lines += [f"| {name} | {measured} | {target} | {verdict(met) if target != 'measured' else '—'} |"
              for name, measured, target, met in targets]
    lines.append("")
    lines.append(f"Failed or wrong answers: {len(failures)}" + (f" — first: {failures[0]}" if failures else ""))
    show(lines)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
