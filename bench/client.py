"""The bench's HTTP client, shared by its sections: calls over a kept connection per thread (as a
backend's connection pool would), whole answers, first output of a streamed run, percentiles. What
went wrong is collected in `failures`, which each section's verdict reports."""
import http.client
import json
import threading
import time
import urllib.parse

failures = []
local = threading.local()


def call(method, url, body=None, accept="application/json"):
    """(status, body bytes) over this thread's open connection to the url's host."""
    parts = urllib.parse.urlsplit(url)
    connections = local.__dict__.setdefault("connections", {})
    for attempt in (1, 2):
        connection = connections.setdefault(parts.netloc, http.client.HTTPConnection(parts.netloc, timeout=300))
        try:
            connection.request(method, parts.path or "/", None if body is None else json.dumps(body),
                               {"Content-Type": "application/json", "Accept": accept})
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            connection.close()  # the server closed a kept connection: once more on a new one
            del connections[parts.netloc]
            if attempt == 2:
                raise


def post(url, code, figures, check=True):
    """Seconds to the whole answer, and the answer."""
    start = time.perf_counter()
    status, body = call("POST", url, {"code": code})
    took = time.perf_counter() - start
    answer = json.loads(body) if status == 200 else {"status": f"HTTP {status}"}
    if check and (answer.get("status") != "ok" or len(answer.get("figures", [])) != figures):
        failures.append((url, answer.get("status"), answer.get("stderr", "")[-300:]))
    return took, answer


def first_output(url, code):
    """Seconds to the first stdout event of a streamed (NDJSON) run or cell, and to its end."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=300)
    start = time.perf_counter()
    connection.request("POST", parts.path, json.dumps({"code": code}),
                       {"Content-Type": "application/json", "Accept": "application/x-ndjson"})
    response = connection.getresponse()
    first = None
    for line in response:
        event = json.loads(line)
        if event["type"] == "stdout" and first is None:
            first = time.perf_counter() - start
        if event["type"] == "done" and event["status"] != "ok":
            failures.append((url, event["status"], code[:60]))
    connection.close()
    return first, time.perf_counter() - start


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
