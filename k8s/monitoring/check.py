#!/usr/bin/python3
"""Tests the operator's view of codelab-sandbox in k8s/monitoring, for real (`make monitoring`).

1. Files: prometheusrule.yaml is made from codelab-sandbox.rules.yml (`--write` makes it again);
   `promtool check rules`; `promtool test rules`, in which every alert must have series that fire it
   and series that do not; the dashboard's shape; the panels the alerts name exist; docs/operations.md
   has a line for each alert.
2. Live: the packaged service (target/quarkus-app) with its own ports, state dir and cgroup parent does
   runs of every status, a session that hibernates and resumes, 429s and a probe of its sandbox, under
   a Prometheus (Debian's) that scrapes it every second with the rules loaded. Then, through
   Prometheus's HTTP API: the rules are healthy, every metric the rules and the dashboard name exists,
   and every query of every panel returns data (not NaN). Everything it started is stopped (the
   service with SIGTERM), and no sandbox, cgroup or state is left.

Options: --root DIR (the checkout whose packaged service and runner to use; default: this one),
--static (part 1 only), --screenshot PNG (also plot every panel's queries over the run, matplotlib),
--write (make prometheusrule.yaml again and stop). Installs Debian's prometheus and python3-yaml
when missing (as root). Closes with "N passed, M failed".
"""
import argparse, json, math, os, re, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.parse, urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES, RULE_TESTS = HERE / "codelab-sandbox.rules.yml", HERE / "codelab-sandbox.rules.test.yml"
PROMETHEUS_RULE, DASHBOARD = HERE / "prometheusrule.yaml", HERE / "codelab-sandbox.dashboard.json"
OPERATIONS = HERE.parent.parent / "docs" / "operations.md"
NAME = "monitoring-check"  # state dir /run/codelab-sandbox-NAME, cgroup parent codelab-NAME
JOB = "codelab-sandbox"
# Named by the rules and the dashboard ahead of the service exporting them: until it does, the live
# check fails on the panels that query them (and says so).
PENDING_METRICS = {"codelab_throttled_subjects"}
# Counters the service creates at their first event: absent until something fails.
FIRST_EVENT_METRICS = set()

passed, failed = [], []


def check(ok, what, detail=""):
    (passed if ok else failed).append(what)
    print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""), flush=True)
    return ok


def ensure_packages(screenshot):
    need = [pkg for pkg, present in [
        ("prometheus", shutil.which("promtool") and shutil.which("prometheus")),
        ("python3-yaml", importable("yaml")),
        ("python3-matplotlib", not screenshot or importable("matplotlib"))] if not present]
    if need:
        print(f"installing {' '.join(need)} (Debian)", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *need]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, check=True)
            subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)


def importable(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


# --- 1. The files ---------------------------------------------------------------------------------

def prometheus_rule_text():
    """The PrometheusRule: the rules file, its header comment left out, as its spec."""
    lines = RULES.read_text().splitlines()
    body = lines[next(i for i, line in enumerate(lines) if not line.startswith("#")):]
    return "\n".join([
        f"# Made from {RULES.name} by `k8s/monitoring/check.py --write`: edit that file, not this one.",
        "# The Prometheus operator loads it when its ruleSelector matches these labels (docs/operations.md).",
        "apiVersion: monitoring.coreos.com/v1", "kind: PrometheusRule", "metadata:", "  name: codelab-sandbox",
        "  namespace: codelab", "  labels:", "    app.kubernetes.io/name: codelab-sandbox", "spec:",
        *[("  " + line) if line else "" for line in body]]) + "\n"


def alert_rules(yaml):
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"] if "alert" in rule]


def dashboard_queries():
    """(panel title, legend, expr) of every panel's every query."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [(panel["title"], target.get("legendFormat", ""), target["expr"])
            for panel in dashboard["panels"] for target in panel.get("targets", [])]


def check_files(yaml):
    print("files", flush=True)
    check(PROMETHEUS_RULE.read_text() == prometheus_rule_text(),
          f"{PROMETHEUS_RULE.name} is {RULES.name} as a PrometheusRule", "run k8s/monitoring/check.py --write")
    rule = yaml.safe_load(PROMETHEUS_RULE.read_text())
    check(rule["spec"] == yaml.safe_load(RULES.read_text()), "its spec parses to the same groups")

    for command in (["promtool", "check", "rules", RULES.name], ["promtool", "test", "rules", RULE_TESTS.name]):
        run = subprocess.run(command, cwd=HERE, capture_output=True, text=True)
        check(run.returncode == 0, " ".join(command), run.stdout + run.stderr)

    alerts = alert_rules(yaml)
    tests = [t for group in yaml.safe_load(RULE_TESTS.read_text())["tests"] for t in group.get("alert_rule_test", [])]
    dashboard = json.loads(DASHBOARD.read_text())
    titles = {panel["title"] for panel in dashboard["panels"]}
    operations = OPERATIONS.read_text() if OPERATIONS.exists() else ""
    for alert in alerts:
        name, notes = alert["alert"], alert.get("annotations", {})
        cases = [t for t in tests if t["alertname"] == name]
        check(any(t.get("exp_alerts") for t in cases) and any(not t.get("exp_alerts") for t in cases),
              f"{name}: unit tests where it fires and where it does not")
        named = [p for part in re.findall(r"[Pp]anels? (.*?)(?:\.\s|\.$|$)", notes.get("description", ""), re.S)
                 for p in re.findall(r'"([^"]+)"', part.replace("\n", " "))]
        named = [" ".join(p.split()) for p in named]
        check(notes.get("summary") and notes.get("description") and alert.get("labels", {}).get("severity")
              and named and set(named) <= titles,
              f"{name}: severity, summary, description naming dashboard panels", f"panels {named}")
        check(f"`{name}`" in operations, f"{name}: a runbook line in docs/operations.md")

    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    datasource = {"type": "prometheus", "uid": "${datasource}"}
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    check(dashboard.get("schemaVersion", 0) >= 36 and variables.get("datasource", {}).get("query") == "prometheus",
          "dashboard: schemaVersion >= 36, Prometheus data source as ${datasource}")
    check(all(p.get("datasource") == datasource and p["targets"] and all(t.get("datasource") == datasource
              for t in p["targets"]) for p in panels), "dashboard: every panel and query uses ${datasource}")
    check(len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"]), "dashboard: panel ids unique")
    check(all('job=~"$job"' in expr for _, _, expr in dashboard_queries()),
          "dashboard: every query keeps to the job chosen ($job)")


# --- 2. Live ---------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, body=None, method=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read().decode()
            return answer.status, json.loads(text) if text.strip().startswith(("{", "[")) else text
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text) if text.strip().startswith("{") else text
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return None, str(error)


def wait_for(what, condition, seconds, process=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if process and process.poll() is not None:
            raise SystemExit(f"{what}: the process ended ({process.returncode})")
        time.sleep(0.5)
    return False


class Live:
    def __init__(self, root, tmp):
        self.root, self.tmp = root, tmp
        self.api_port, self.mgmt_port, self.prom_port = free_port(), free_port(), free_port()
        self.api, self.prom = f"http://127.0.0.1:{self.api_port}", f"http://127.0.0.1:{self.prom_port}"
        self.state_dir, self.cgroup_parent = Path(f"/run/codelab-sandbox-{NAME}"), f"codelab-{NAME}"
        self.service = self.prometheus = None

    def start_service(self):
        jar = self.root / "target/quarkus-app/quarkus-run.jar"
        if not jar.is_file():
            raise SystemExit(f"{jar} is missing: make build")
        rootfs = os.environ.get("CODELAB_PYTHON_ROOTFS") or subprocess.run(
            [str(self.root / "runsc/python-rootfs.sh")], capture_output=True, text=True, check=True).stdout.strip()
        settings = {"quarkus.http.port": self.api_port, "quarkus.management.port": self.mgmt_port,
                    "codelab.admission.open": "true", "codelab.sandbox.state-dir": self.state_dir,
                    "codelab.sandbox.cgroup-parent": self.cgroup_parent, "codelab.pool.size": 2,
                    "codelab.admission.memory.budget-mb": 2304,  # the base manifest's pod (README "Sizing a pod")
                    # a session hibernates at once; a second one is a 429; four limit hits throttle the tenant
                    "codelab.session.hibernate-after": "2s", "codelab.session.tend-every": "1s",
                    "codelab.session.max-open": 1, "codelab.admission.abuse.max-limit-hits": 4}
        command = ["java", "@deploy/jvm.options", *[f"-D{k}={v}" for k, v in settings.items()], "-jar", str(jar)]
        self.service_log = self.tmp / "service.log"
        self.service = subprocess.Popen(command, cwd=self.root, stdin=subprocess.DEVNULL, start_new_session=True,
                                        stdout=self.service_log.open("w"), stderr=subprocess.STDOUT,
                                        env=dict(os.environ, CODELAB_PYTHON_ROOTFS=rootfs))
        ready = wait_for("the service", lambda: http(f"http://127.0.0.1:{self.mgmt_port}/q/health/ready")[0] == 200,
                         180, self.service)
        check(ready, f"the packaged service is ready (API :{self.api_port}, management :{self.mgmt_port})")
        return ready

    def start_prometheus(self):
        config = self.tmp / "prometheus.yml"
        config.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{"job_name": JOB, "metrics_path": "/q/metrics",
                                "static_configs": [{"targets": [f"127.0.0.1:{self.mgmt_port}"]}]}]}))
        self.prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.tmp / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.prom_port}"], cwd=self.tmp, stdin=subprocess.DEVNULL,
            start_new_session=True, stdout=(self.tmp / "prometheus.log").open("w"), stderr=subprocess.STDOUT)
        self.started = time.time()
        # its first scrape comes seconds after it is ready: the workload starts once the service is up in it
        ready = wait_for("prometheus", lambda: bool(self.query(f'up{{job="{JOB}"}} == 1')[0]), 60, self.prometheus)
        check(ready, f"Prometheus (:{self.prom_port}) scrapes the service every second")
        return ready

    def run(self, code, status, **limits):
        answer = self.post("/v1/executions", {"language": "python", "code": code, "limits": limits})
        return check(answer[0] == 200 and answer[1].get("status") == status, f"a run ending {status}", answer)

    def post(self, path, body):
        code, answer = http(self.api + path, body)
        return code, answer if isinstance(answer, dict) else {"text": answer}

    def workload(self):
        print("workload", flush=True)
        self.run("print(sum(range(10)))", "ok")
        self.run("raise ValueError('on purpose')", "error")
        self.run("import socket; socket.socket()", "ok")  # a probe: a network event
        code, session = self.post("/v1/sessions", {})
        if check(code == 201, "a session opens", session):
            cells = f"/v1/sessions/{session['id']}/executions"
            check(self.post(cells, {"code": "x = 41"})[1].get("status") == "ok", "its first cell")
            state = lambda: http(f"{self.api}/v1/sessions/{session['id']}")[1]
            check(wait_for("hibernation", lambda: state().get("state") == "hibernated", 30), "it hibernates")
            answer = self.post(cells, {"code": "x + 1"})[1]
            check((answer.get("result") or {}).get("text/plain") == "42", "its next cell resumes it", answer)
        for _ in range(2):  # two, scrapes apart: increase() must count both
            check(self.post("/v1/sessions", {})[0] == 429, "a second session is a 429 (max-open 1)")
            time.sleep(1.5)
        self.run("while True: pass", "timeout", timeoutMs=1000)
        self.run("b = bytearray(300 << 20)\nb[::4096] = b'x' * len(b[::4096])", "memory_limit", memoryMb=64)
        self.run("print('x' * 100000)", "output_limit", outputBytes=1000)
        self.run("import os\nwhile True:\n    os.fork()", "process_limit", pids=8)
        for _ in range(2):
            code, answer = self.post("/v1/executions", {"language": "python", "code": "print(1)"})
            check(code == 429, "then a run is a 429: the tenant is throttled for abuse", answer)
            time.sleep(1.5)

    def query(self, expr):
        code, answer = http(f"{self.prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        if code != 200 or answer.get("status") != "success":
            return None, f"{code} {answer}"
        return answer["data"]["result"], None

    def verify(self, window, job_filter):
        print("through Prometheus's API", flush=True)
        scrapes, _ = self.query(f'count_over_time(up{{job="{JOB}"}}[{window}])')
        up, _ = self.query(f'up{{job="{JOB}"}}')
        check(up and up[0]["value"][1] == "1" and scrapes and float(scrapes[0]["value"][1]) >= 10,
              f"the service is scraped ({scrapes[0]['value'][1] if scrapes else 0} scrapes)")

        code, rules = http(f"{self.prom}/api/v1/rules")
        loaded = [r for g in rules["data"]["groups"] for r in g["rules"]] if code == 200 else []
        states = {r["name"]: r.get("state") for r in loaded}
        check(len(loaded) == self.rule_count and all(r["health"] == "ok" for r in loaded),
              f"{len(loaded)} rules loaded, every one healthy",
              [(r["name"], r["health"], r.get("lastError")) for r in loaded if r["health"] != "ok"])
        active = {n: s for n, s in states.items() if s != "inactive"}
        print(f"       alerts not inactive after the workload: {active or 'none'}")

        code, names = http(f"{self.prom}/api/v1/label/__name__/values")
        exported = set(names["data"]) if code == 200 else set()
        named = {n for text in (RULES.read_text(), DASHBOARD.read_text())
                 for n in re.findall(r"\b(?:codelab|http_server)_[a-z_]+", text)}
        missing = sorted(named - exported - FIRST_EVENT_METRICS)
        check(not missing, f"every metric the rules and the dashboard name is exported ({len(named)})", missing)
        self.pending_missing = sorted(set(missing) & PENDING_METRICS)

        for expr, what in [
                ('codelab_executions_total{status="%s"}' % s, f"runs ending {s} are counted") for s in
                ("ok", "error", "timeout", "memory_limit", "output_limit", "process_limit")] + [
                ('codelab_rejections_total{reason="sessions"}', "the 429 for a session is counted (sessions)"),
                ('codelab_rejections_total{reason="abuse"}', "the 429s for abuse are counted (abuse)"),
                ('codelab_security_events_total{kind="network"} > 0', "the probe is a network event"),
                ('codelab_session_hibernate_seconds_count > 0 and codelab_session_resume_seconds_count > 0',
                 "the session's hibernation and resume are timed"),
                ('http_server_requests_seconds_count{status="429"}', "HTTP 429s are counted by status")]:
            result, error = self.query(expr)
            check(bool(result), what, error or "no series")
        # A counter the service creates at its first event starts at 1, which rate() and increase() never
        # count: the dashboard would show no timeout after one, and alerts would miss the first event.
        for expr, what in [
                (f'sum by (status) (increase(codelab_executions_total{{status="{s}"}}[{window}])) >= 0.5',
                 f"increase() counts the {s} run (its counter existed at 0)") for s in
                ("error", "timeout", "memory_limit", "output_limit", "process_limit")] + [
                (f'sum(increase(codelab_rejections_total{{reason="{r}"}}[{window}])) >= 1.5',
                 f"increase() counts both {r} 429s (its counter existed at 0)") for r in ("sessions", "abuse")]:
            result, error = self.query(expr)
            check(bool(result), what, error or "its first event is lost: register the counter at 0 when the service starts")

        print("every panel's every query (${datasource} = this Prometheus, $job = "
              f"{JOB}, $__rate_interval = {window})", flush=True)
        self.empty = []
        for title, legend, expr in dashboard_queries():
            result, error = self.query(job_filter(expr))
            nan = [s["metric"] for s in result or [] if math.isnan(float(s["value"][1]))]
            pending = sorted(n for n in PENDING_METRICS if n in expr)
            if not result and not error:
                self.empty.append((title, legend, pending))
            check(bool(result) and not nan, f'"{title}" {legend}: {len(result or [])} series',
                  error or (f"NaN in {nan}" if nan else "no data" + (
                      f" (not exported yet: {', '.join(pending)})" if pending else "")))

    def stop(self):
        """SIGTERM, and the wait for each to end; then nothing of the service may be left."""
        for process, name in ((self.service, "the service"), (self.prometheus, "Prometheus")):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    code = process.wait(90)
                    check(True, f"{name} stopped on SIGTERM (exit {code})")
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    check(False, f"{name} stopped on SIGTERM", "killed after 90 s")
        left = [pid for pid in os.listdir("/proc") if pid.isdigit() and str(self.state_dir).encode() in read(
            f"/proc/{pid}/cmdline")]
        cgroups = [str(c) for c in Path("/sys/fs/cgroup").glob(f"*/{self.cgroup_parent}/*") if c.is_dir()]
        containers = list((self.state_dir / "runsc").glob("*")) if (self.state_dir / "runsc").is_dir() else []
        check(not left and not cgroups and not containers, "no sandbox process, cgroup or runsc state left",
              f"processes {left}, cgroups {cgroups}, state {containers}")
        if not left and not cgroups:
            for parent in Path("/sys/fs/cgroup").glob(f"*/{self.cgroup_parent}"):
                parent.rmdir()
            shutil.rmtree(self.state_dir, ignore_errors=True)


def read(path):
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--root", type=Path, default=HERE.parent.parent)
    options.add_argument("--static", action="store_true")
    options.add_argument("--screenshot", type=Path)
    options.add_argument("--write", action="store_true")
    args = options.parse_args()
    if args.write:
        PROMETHEUS_RULE.write_text(prometheus_rule_text())
        print(f"wrote {PROMETHEUS_RULE}")
        return 0
    began = time.monotonic()
    ensure_packages(args.screenshot)
    import yaml
    check_files(yaml)
    if not args.static:
        tmp = Path(tempfile.mkdtemp(prefix="codelab-monitoring-"))
        live = Live(args.root.resolve(), tmp)
        live.rule_count = len(alert_rules(yaml))
        try:
            if live.start_service() and live.start_prometheus():
                live.workload()
                time.sleep(5)  # a few scrapes and rule evaluations after the last request
                window = f"{int(time.time() - live.started) + 5}s"
                live.verify(window, lambda expr: expr.replace("$__rate_interval", window).replace("$job", JOB))
                if args.screenshot:
                    import render
                    render.plot(live, json.loads(DASHBOARD.read_text()), args.screenshot, JOB, live.pending_missing)
                    print(f"  wrote {args.screenshot}")
        finally:
            live.stop()
            if failed and live.service:
                print("service log (end):\n" + "".join(live.service_log.read_text().splitlines(True)[-30:]))
            shutil.rmtree(tmp, ignore_errors=True)
        if live.service and getattr(live, "empty", None):
            print("empty panels: " + "; ".join(f'"{t}" {l}' + (f" ({', '.join(p)} not exported yet)" if p else "")
                                               for t, l, p in live.empty))
    print(f"took {time.monotonic() - began:.0f} s")
    print(f"monitoring: {len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
