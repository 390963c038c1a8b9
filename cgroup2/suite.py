"""Host side of the cgroup v2 suite: drives the service inside the guest over HTTP, and checks the
guest's cgroups through inspector.py. Prints one line per check, then 'N passed, N failed'.

    python3 suite.py SERVICE_PORT MANAGEMENT_PORT INSPECT_PORT

Every check is on an effect or a kernel counter (status, cgroup files, nr_throttled, oom_kill),
never on wall-clock time: the guest runs under software emulation.
"""
import json
import re
import sys
import time
import urllib.error
import urllib.request

SERVICE, MANAGEMENT, INSPECT = (f"http://127.0.0.1:{port}" for port in sys.argv[1:4])
MiB = 1 << 20
OVERHEAD_MB = 96  # codelab.sandbox.sentry-overhead-mb
PREPARED_CPU = "max 100000"  # a pooled sandbox: no CPU quota until a run claims it
results = []


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def execute(code, **limits):
    limits.setdefault("timeoutMs", 120000)
    body = json.dumps({"code": code, "limits": limits}).encode()
    request = urllib.request.Request(SERVICE + "/v1/executions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"), flush=True)


def wait_for(probe, seconds):
    """The probe's first true answer within the time, else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(2)
    return None


def ready():
    try:
        return get(MANAGEMENT + "/q/health/ready")
    except urllib.error.HTTPError:
        return None


def waiting_in_pool():
    match = re.search(r"(\d+) waiting", get(SERVICE + "/v1/runtimes")[0]["sandboxStart"])
    return match and int(match.group(1)) > 0


def seen(predicate):
    return [(name, cg) for name, cg in get(INSPECT)["seen"].items() if predicate(name, cg)]


def limit_of(memory_mb):
    return str((memory_mb + OVERHEAD_MB) * MiB)


def sane_usage(name, run, memory_mb):
    usage = run["usage"]
    check(f"{name}: usage figures present and sane",
          usage["cpuMs"] > 0 and usage["wallMs"] > 0 and 4 * MiB < usage["memoryPeakBytes"] <= int(limit_of(memory_mb)),
          usage)


def summary():
    passed = results.count(True)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


def main():
    health = wait_for(ready, 900)
    check("the service became ready", health is not None, "see service.log")
    if health is None:
        return summary()
    check("readiness says cgroup v2", health["checks"][0]["data"].get("cgroup") == "v2", health)
    check("the pool restored a sandbox", wait_for(waiting_in_pool, 600) is not None, "see service.log")
    pod = get(INSPECT)["pod"]
    check("the container's cgroup holds no process: they sit in its leaf", not pod["procs"], pod)
    check("the sandboxes' parent delegates cpuset, cpu, memory and pids",
          set("cpuset cpu memory pids".split()) <= set((pod["parent_subtree_control"] or "").split()), pod)
    pooled = [cg for cg in get(INSPECT)["live"].values() if cg["cpu.max"] == PREPARED_CPU]
    check("pooled sandboxes wait in their own cgroups, without a CPU quota, swap off",
          pooled and all(cg["procs"] > 0 and cg["memory.swap.max"] == "0" for cg in pooled), pooled)

    run = execute("print(sum(range(10 ** 6)))")
    check("ok", run["status"] == "ok" and run["stdout"] == "499999500000\n", run)
    check("the run got a sandbox from the warm pool", run["usage"]["sandboxStart"] == "warm", run["usage"])
    sane_usage("ok", run, 256)
    warm = seen(lambda name, cg: name.startswith("codelab-warm-") and cg["cpu.max"] == "100000 100000")
    check("the claimed sandbox's cgroup got the run's limits (memory.max, cpu.max)",
          any(cg["memory.max"] == limit_of(256) for _, cg in warm), warm)

    run = execute("print('cold')", diskMb=32)  # another tmpfs size than the pool's: a cold start
    check("cold start ok", run["status"] == "ok" and run["usage"]["sandboxStart"] == "cold", run)
    sane_usage("cold start", run, 256)
    cold = seen(lambda name, cg: name == "codelab-" + run["id"])
    check("the cold sandbox's cgroup: memory.max, pids.max safety net, swap off",
          cold and cold[0][1]["memory.max"] == limit_of(256) and cold[0][1]["pids.max"] == "4096"
          and cold[0][1]["memory.swap.max"] == "0", cold)

    run = execute("while True: pass", timeoutMs=3000)
    check("timeout", run["status"] == "timeout" and run["signal"] == "SIGKILL", run)

    run = execute("blocks = []\nwhile True: blocks.append(bytearray(16 << 20))", memoryMb=128)
    check("memory_limit", run["status"] == "memory_limit", run)
    oom = seen(lambda name, cg: cg["memory.max"] == limit_of(128))
    check("the OOM killer acted in the sandbox's cgroup (memory.events oom_kill)",
          any(cg["memory.events"].get("oom_kill", 0) > 0 for _, cg in oom), oom)

    run = execute("import os\nwhile True:\n    os.fork()", pids=16, memoryMb=1024)
    check("process_limit", run["status"] == "process_limit", run)

    run = execute("while True:\n    print('x' * 1000)", outputBytes=10000)
    held = len(json.dumps(run["stdout"], ensure_ascii=False).encode()) - 2  # as the answer holds it, escapes included
    check("output_limit", run["status"] == "output_limit" and run["truncated"] and 9999 <= held <= 10000,
          {k: run[k] for k in ("status", "truncated")})

    spin = """
import multiprocessing, time
def spin():
    end = time.time() + 3
    while time.time() < end: pass
workers = [multiprocessing.Process(target=spin) for _ in range(2)]
[w.start() for w in workers]; [w.join() for w in workers]
"""
    run = execute(spin, cpus=1, memoryMb=300)  # two busy processes, one CPU's quota
    check("a CPU-bound run under a quota ends ok", run["status"] == "ok", run)
    sane_usage("cpu quota", run, 300)
    quota = seen(lambda name, cg: cg["cpu.max"] == "100000 100000" and cg["memory.max"] == limit_of(300))
    check("the CPU quota throttled it (cpu.max 100000 100000, cpu.stat nr_throttled > 0)",
          any(cg["cpu.stat"].get("nr_throttled", 0) > 0 for _, cg in quota), quota)

    def runs_cleaned_up():
        return all(cg["cpu.max"] == PREPARED_CPU for cg in get(INSPECT)["live"].values())
    check("no run's cgroup is left, only the pooled sandboxes'", wait_for(runs_cleaned_up, 120) is not None,
          get(INSPECT)["live"])
    return summary()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as error:  # a refused request, a service or guest that went away
        check("the suite ran to its end", False, repr(error))
        sys.exit(summary())
