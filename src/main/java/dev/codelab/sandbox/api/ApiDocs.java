package dev.codelab.sandbox.api;

/** Examples for the OpenAPI document (GET /q/openapi), kept apart so the resources stay readable. */
final class ApiDocs {

    private ApiDocs() {
    }

    static final String REQUEST = """
            {"language": "python",
             "code": "import pandas as pd\\ndf = pd.read_csv('in.csv')\\nprint(df.a.sum())\\ndf",
             "stdin": "",
             "files": [{"path": "in.csv", "content": "a,b\\n1,2\\n", "encoding": "utf-8"}],
             "env": {"MODE": "demo"},
             "limits": {"timeoutMs": 10000, "cpus": 1, "memoryMb": 256, "pids": 64, "outputBytes": 1048576, "diskMb": 64}}
            """;

    static final String RESULT = """
            {"id": "0b6f4c1e-8a4e-4f0e-9a53-6f1b3c1f2d7a", "language": "python", "status": "ok", "exitCode": 0,
             "signal": null, "stdout": "1\\n", "stderr": "", "truncated": false,
             "result": {"text/plain": "   a  b\\n0  1  2", "text/html": "<table>…</table>"},
             "figures": [], "files": [], "filesOmitted": [],
             "usage": {"wallMs": 41, "cpuMs": 35, "memoryPeakBytes": 84180992, "outputBytes": 2, "sandboxStart": "warm"},
             "startedAt": "2026-11-26T10:00:00.000Z", "finishedAt": "2026-11-26T10:00:00.041Z"}
            """;

    static final String SSE = """
            event:started
            data:{"id":"0b6f4c1e-8a4e-4f0e-9a53-6f1b3c1f2d7a"}

            event:stdout
            data:{"data":"1\\n"}

            event:done
            data:{"id":"0b6f4c1e-8a4e-4f0e-9a53-6f1b3c1f2d7a","status":"ok","exitCode":0, "...": "as the JSON response, without stdout and stderr"}
            """;

    static final String NDJSON = """
            {"type":"started","id":"0b6f4c1e-8a4e-4f0e-9a53-6f1b3c1f2d7a"}
            {"type":"stdout","data":"1\\n"}
            {"type":"figure","mimeType":"image/png","data":"iVBORw0KGgo…"}
            {"type":"done","id":"0b6f4c1e-8a4e-4f0e-9a53-6f1b3c1f2d7a","status":"ok","exitCode":0, "...": "as the JSON response, without stdout and stderr"}
            """;

    static final String PROBLEM_400 = """
            {"type": "urn:codelab:problem:invalid-request", "title": "Bad Request", "status": 400,
             "detail": "`limits.memoryMb` must be between 1 and 2048, got 4096", "field": "limits.memoryMb"}
            """;

    static final String PROBLEM_429 = """
            {"type": "urn:codelab:problem:too-many-requests-capacity", "title": "Too Many Requests", "status": 429,
             "detail": "the service is at capacity: 2 executions running and 8 waiting"}
            """;

    static final String RUNTIMES = """
            [{"language": "python", "version": "3.11.2",
              "packages": {"numpy": "1.24.2", "pandas": "1.5.3", "matplotlib": "3.6.3"},
              "limits": {"default": {"timeoutMs": 30000, "cpus": 1.0, "memoryMb": 256, "pids": 64, "outputBytes": 1048576, "diskMb": 64},
                         "max": {"timeoutMs": 300000, "cpus": 2.0, "memoryMb": 2048, "pids": 512, "outputBytes": 16777216, "diskMb": 1024}},
              "sandboxStart": "restored from a checkpoint image; 4 waiting",
              "profiles": [{"name": "base", "preloads": ["numpy", "pandas", "matplotlib.pyplot", "pandas.plotting._matplotlib"],
                            "pickedBy": [], "sandboxStart": "restored from a checkpoint image; 4 waiting"},
                           {"name": "ml", "preloads": ["numpy", "pandas", "matplotlib.pyplot", "pandas.plotting._matplotlib",
                                                       "scipy.stats", "sklearn.linear_model", "seaborn", "statsmodels.api"],
                            "pickedBy": ["scipy", "seaborn", "sklearn", "statsmodels"],
                            "sandboxStart": "restored from a checkpoint image; 1 waiting"}]}]
            """;
}
