"""The dashboard's panels as PNG plots (check.py --screenshot): every panel's queries over the live
check's run, from its Prometheus, laid out as the dashboard's rows are."""
import json, math, re, time, urllib.parse, urllib.request

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

SCALE = {"bytes": (2 ** -20, "MiB"), "percentunit": (100, "%"), "s": (1, "s"), "ops": (1, "/s"), "reqps": (1, "/s")}


def plot(live, dashboard, path, job, pending=()):
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    end = time.time()
    columns = 4
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 2.9 * rows), squeeze=False)
    for axis, panel in zip(axes.flat, panels):
        factor, unit = SCALE.get(panel["fieldConfig"]["defaults"].get("unit"), (1, ""))
        drawn = 0
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", "15s").replace("$job", job)
            for series in query_range(live, expr, live.started, end):
                points = [(float(t) - live.started, float(v) * factor) for t, v in series["values"]]
                legend = re.sub(r"\{\{(\w+)\}\}", lambda m: series["metric"].get(m.group(1), ""),
                                target.get("legendFormat", ""))
                axis.plot(*zip(*points), label=legend, linewidth=1.2)
                drawn += 1
        axis.set_title(panel["title"], fontsize=10)
        axis.tick_params(labelsize=7)
        axis.set_ylabel(unit, fontsize=7)
        if drawn:
            axis.legend(fontsize=6, loc="upper left")
        else:
            missing = [n for n in pending if n in json.dumps(panel["targets"])]
            axis.text(0.5, 0.5, "no data" + ("\n(" + ", ".join(missing) + "\nnot exported yet)" if missing else ""),
                      ha="center", va="center", fontsize=8, color="grey", transform=axis.transAxes)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    figure.suptitle(f"codelab-sandbox dashboard: the live check's {end - live.started:.0f} s "
                    "(seconds on the x axes; 1 s scrapes, rates over 15 s)", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def query_range(live, expr, start, end):
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": 1})
    with urllib.request.urlopen(f"{live.prom}/api/v1/query_range?{params}", timeout=30) as answer:
        return json.load(answer)["data"]["result"]
