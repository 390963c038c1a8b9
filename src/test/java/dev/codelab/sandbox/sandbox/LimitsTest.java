package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;


import static dev.codelab.sandbox.Api.limits;
import static dev.codelab.sandbox.Api.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every per-request limit, hit for real inside runsc. */
@QuarkusTest
@Tag("sandbox")
class LimitsTest extends RealSandboxTest {

    @Test
    void aCpuSpinIsKilledAtTheTimeout() {
        JsonPath run = run("print('spinning', flush=True)\nwhile True: pass", "limits", limits("timeoutMs", 1500));
        assertEquals("timeout", run.getString("status"));
        assertEquals("SIGKILL", run.getString("signal"));
        assertEquals("spinning\n", run.getString("stdout"), "output before the kill is kept");
        assertTrue(run.getLong("usage.wallMs") < 6000, "killed near its limit: " + run.getLong("usage.wallMs"));
    }

    @Test
    void aSleeperIsKilledAtTheTimeout() {
        JsonPath run = run("import time\ntime.sleep(60)", "limits", limits("timeoutMs", 1000));
        assertEquals("timeout", run.getString("status"));
    }

    @Test
    void ignoringSigtermDoesNotHelp() {
        JsonPath run = run("""
                import signal, subprocess, time
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                subprocess.Popen(['sleep', '600'])
                time.sleep(600)
                """, "limits", limits("timeoutMs", 1500));
        assertEquals("timeout", run.getString("status"));
        assertTrue(run.getLong("usage.wallMs") < 6000);
    }

    @Test
    void aMemoryBombIsAMemoryLimit() {
        JsonPath run = run("blocks = []\nwhile True: blocks.append(bytearray(16 << 20))", "limits", limits("memoryMb", 128));
        assertEquals("memory_limit", run.getString("status"));
    }

    @Test
    void aNumpyMemoryBombIsAMemoryLimit() {
        JsonPath run = run("import numpy as np\nx = np.ones((1024, 1024, 512))", "limits", limits("memoryMb", 128));
        assertEquals("memory_limit", run.getString("status"));
    }

    @Test
    void memoryWithinTheLimitWorks() {
        JsonPath run = run("x = bytearray(150 << 20)\nlen(x)", "limits", limits("memoryMb", 512));
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
    }

    @Test
    void aForkBombIsAProcessLimit() {
        // Memory to spare, so that the process limit is what stops it.
        JsonPath run = run("import os\nwhile True:\n    os.fork()", "limits", limits("pids", 16, "memoryMb", 1024));
        assertEquals("process_limit", run.getString("status"));
    }

    @Test
    void aThreadBombIsAProcessLimit() {
        JsonPath run = run("""
                import threading, time
                while True:
                    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
                """, "limits", limits("pids", 16, "memoryMb", 1024));
        assertEquals("process_limit", run.getString("status"));
    }

    @Test
    void aShellForkBombDoesNotEscapeTheLimit() {
        JsonPath run = run("""
                import subprocess
                try:
                    subprocess.run(['bash', '-c', ':(){ :|:& };:'], timeout=3)
                except subprocess.TimeoutExpired:
                    pass
                print('survived')
                """, "limits", limits("pids", 16, "timeoutMs", 10000));
        assertEquals("survived\n", run.getString("stdout"), "the bomb is contained; the program goes on");
        assertEquals("ok", run("print(1)").getString("status"), "and the service goes on");
    }

    @Test
    void numpyWorksUnderASmallPidsLimit() {
        JsonPath run = run("import numpy as np\nfloat(np.ones((300, 300)).dot(np.ones((300, 300))).sum())",
                "limits", limits("pids", 8));
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("27000000.0", run.getString("result.'text/plain'"));
    }

    @Test
    void fillingTheDiskStopsAtDiskMb() {
        JsonPath run = run("""
                for i in range(64):
                    with open(f'/workspace/part{i}', 'wb') as f:
                        f.write(b'x' * (4 << 20))
                """, "limits", limits("diskMb", 16));
        assertEquals("error", run.getString("status"));
        assertTrue(run.getString("stderr").contains("No space left on device"), run.getString("stderr"));
    }

    @Test
    void oneFileCannotOutgrowDiskMb() {
        JsonPath run = run("open('/tmp/big', 'wb').write(b'x' * (32 << 20))", "limits", limits("diskMb", 16));
        assertEquals("error", run.getString("status"));
        assertTrue(run.getString("stderr").contains("File too large"), run.getString("stderr"));
    }

    @Test
    void anOutputFloodIsCutAndStopped() {
        JsonPath run = run("while True:\n    print('x' * 1000)", "limits", limits("outputBytes", 10_000));
        assertEquals("output_limit", run.getString("status"));
        assertTrue(run.getBoolean("truncated"));
        long held = Api.answerBytes(run.getString("stdout"));
        assertTrue(held <= 10_000 && held >= 9_999, "the answer holds outputBytes of output, escapes included: " + held);
        assertEquals(held, run.getLong("usage.outputBytes"));
    }

    @Test
    void outputThatJsonMustEscapeCountsAsItsEscapes() {
        JsonPath run = run("import sys\nsys.stdout.buffer.write(b'\\x01' * 100_000)", "limits", limits("outputBytes", 60_000));
        assertEquals("output_limit", run.getString("status"));
        assertEquals(10_000, run.getString("stdout").length(), "each byte is \\u0001 in the answer: 6 bytes");
        assertEquals(60_000, Api.answerBytes(run.getString("stdout")));
    }

    @Test
    void stderrCountsTowardsTheOutputCap() {
        JsonPath run = run("import sys\nprint('o' * 600)\nprint('e' * 600, file=sys.stderr)",
                "limits", limits("outputBytes", 1000));
        assertEquals("output_limit", run.getString("status"));
        long held = Api.answerBytes(run.getString("stdout")) + Api.answerBytes(run.getString("stderr"));
        assertTrue(held <= 1000 && held >= 999, "stdout and stderr together, as the answer holds them: " + held);
    }

    @Test
    void openFilesAreLimited() {
        JsonPath run = run("handles = [open('/etc/hostname') for _ in range(100000)]");
        assertEquals("error", run.getString("status"));
        assertTrue(run.getString("stderr").contains("Too many open files"), run.getString("stderr"));
    }

    @Test
    void theCpuQuotaIsOnTheSandboxsCgroupAndThrottlesIt() {
        // Effects and counters only: another job on the machine can slow a run, never speed it up.
        String burn = """
                import multiprocessing, time
                def spin():
                    end = time.time() + 3
                    while time.time() < end: pass
                workers = [multiprocessing.Process(target=spin) for _ in range(6)]
                [w.start() for w in workers]; [w.join() for w in workers]
                """;
        // Six busy processes under a one-core quota: even on a machine busy with other work they
        // want more than one core, and the kernel must hold them to it.
        Api.assertNoSandboxLeft(Duration.ofSeconds(30)); // so the running sandbox found below is this one
        CompletableFuture<JsonPath> running = CompletableFuture.supplyAsync(() -> run(burn, "limits", limits("cpus", 1)));
        Path cgroup = Api.awaitSandboxWithQuota(100_000, Duration.ofSeconds(60)); // one core of each 100 ms period
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (throttled(cgroup) == 0 && System.nanoTime() < deadline && !running.isDone()) {
            Api.sleep(100);
        }
        assertTrue(throttled(cgroup) > 0, "the kernel throttled the sandbox");
        JsonPath run = running.join();
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertTrue(run.getDouble("usage.cpuMs") <= run.getDouble("usage.wallMs") * 1.2 + 200,
                "one core at most: " + run.getDouble("usage.cpuMs") + " ms in " + run.getDouble("usage.wallMs"));
    }

    private static long throttled(Path cgroup) {
        return Api.read(cgroup.resolve("cpu.stat")).lines().filter(line -> line.startsWith("nr_throttled "))
                .mapToLong(line -> Long.parseLong(line.substring(13).trim())).findFirst().orElse(0);
    }
}
