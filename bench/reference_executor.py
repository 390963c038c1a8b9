#!/usr/bin/env python3
"""The executor codelab-sandbox replaces, kept only as a benchmark reference: each request runs
as a plain python3 subprocess (chrooted into the same root filesystem, so the same Python and
packages) with a prelude that sets matplotlib up and an epilogue that collects figures. No
isolation and no limits: never expose it. It answers POST / with {"code"} like the service."""
import base64
import http.server
import json
import subprocess
import sys

PRELUDE = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
"""
EPILOGUE = """
import io as _io, base64 as _b64, json as _json
_figures = []
for _n in plt.get_fignums():
    _buffer = _io.BytesIO()
    plt.figure(_n).savefig(_buffer, format="png")
    _figures.append(_b64.b64encode(_buffer.getvalue()).decode())
print("\\n__FIGURES__" + _json.dumps(_figures))
"""


class Executor(http.server.BaseHTTPRequestHandler):
    rootfs = None

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        program = PRELUDE + request["code"] + "\n" + EPILOGUE
        # The old executor wrote a temp file; the program goes through stdin here, which costs the same
        # and leaves the shared image untouched.
        done = subprocess.run(["chroot", self.rootfs, "/usr/bin/python3", "-"], input=program.encode(),
                              capture_output=True, timeout=60)
        stdout, _, figures = done.stdout.decode().partition("\n__FIGURES__")
        body = json.dumps({"status": "ok" if done.returncode == 0 else "error", "exitCode": done.returncode,
                           "stdout": stdout, "stderr": done.stderr.decode(),
                           "figures": [{"mimeType": "image/png", "data": f} for f in json.loads(figures or "[]")]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    Executor.rootfs = sys.argv[1]
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Executor).serve_forever()
