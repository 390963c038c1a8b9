package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.codelab.sandbox.Api.limits;
import static dev.codelab.sandbox.Api.run;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs from restored sandboxes: fast, but as fresh and as limited as cold ones. */
@QuarkusTest
@Tag("sandbox")
class WarmPoolTest extends RealSandboxTest {

    private static final Path IMAGE = Path.of("/run/codelab-sandbox-test/images/python/base/checkpoint.img");

    @BeforeEach
    void poolFull() {
        awaitPoolFull();
    }

    @Test
    void pooledRunsNeverSeeEachOther() {
        JsonPath first = run("""
                import numpy, sys
                numpy.left_behind = 'secret'
                sys.modules['json'].left_behind = 'secret'
                open('/workspace/mark', 'w').write('x'); open('/tmp/mark', 'w').write('x')
                globals()['MARK'] = 1
                """);
        JsonPath second = run("""
                import numpy, json, os
                print(hasattr(numpy, 'left_behind'), hasattr(json, 'left_behind'),
                      os.path.exists('/workspace/mark'), os.path.exists('/tmp/mark'), 'MARK' in globals())
                """);
        assertEquals("warm", first.getString("usage.sandboxStart"));
        assertEquals("warm", second.getString("usage.sandboxStart"));
        assertEquals("False False False False False\n", second.getString("stdout"), second.getString("stderr"));
    }

    @Test
    void restoredSandboxesDrawDifferentRandomNumbers() {
        String draw = "import random, numpy as np\nprint(random.random(), np.random.rand(), np.random.default_rng().random())";
        JsonPath first = run(draw);
        JsonPath second = run(draw);
        assertEquals("warm", first.getString("usage.sandboxStart"));
        assertNotEquals(first.getString("stdout"), second.getString("stdout"));
        for (String number : first.getString("stdout").strip().split(" ")) {
            assertTrue(!second.getString("stdout").contains(number), "no draw repeats: " + number);
        }
    }

    @Test
    void theRequestsMemoryLimitHoldsInAPooledSandbox() {
        JsonPath run = run("blocks = []\nwhile True: blocks.append(bytearray(16 << 20))", "limits", limits("memoryMb", 128));
        assertEquals("warm", run.getString("usage.sandboxStart"));
        assertEquals("memory_limit", run.getString("status"));
    }

    @Test
    void theRequestsCpuQuotaHoldsInAPooledSandbox() {
        JsonPath run = run("""
                import multiprocessing, time
                def spin():
                    end = time.time() + 2
                    while time.time() < end: pass
                workers = [multiprocessing.Process(target=spin) for _ in range(2)]
                [w.start() for w in workers]; [w.join() for w in workers]
                """, "limits", limits("cpus", 1, "memoryMb", 1024));
        assertEquals("warm", run.getString("usage.sandboxStart"));
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        double ratio = run.getDouble("usage.cpuMs") / run.getDouble("usage.wallMs");
        assertTrue(ratio < 1.25, "one core's quota: " + ratio);
    }

    @Test
    void aRequestForOtherTmpfsSizesStartsCold() {
        JsonPath run = run("import os\nprint(os.statvfs('/workspace').f_blocks * os.statvfs('/workspace').f_frsize >> 20)",
                "limits", limits("diskMb", 32));
        assertEquals("cold", run.getString("usage.sandboxStart"));
        assertEquals("32\n", run.getString("stdout"));
    }

    @Test
    void aBurstDrainsThePoolAndItRefills() {
        List<JsonPath> burst = Api.concurrently(8, i -> run("print(" + i + ")"));
        List<String> modes = burst.stream()
                .peek(run -> assertEquals("ok", run.getString("status")))
                .map(run -> run.getString("usage.sandboxStart")).toList();
        assertTrue(modes.contains("warm"), modes.toString());
        assertTrue(modes.stream().anyMatch(mode -> !mode.equals("warm")), "8 runs drain a pool of 4: " + modes);
        awaitPoolFull();
    }

    @Test
    void aCorruptImageFallsBackToColdAndIsMadeAgain() throws IOException {
        byte[] image = Files.readAllBytes(IMAGE);
        Files.write(IMAGE, new byte[4096]);
        List<JsonPath> runs = Api.concurrently(8, i -> run("print(6 * 7)"));
        runs.forEach(run -> assertEquals("42\n", run.getString("stdout"), "every run still answers"));
        assertTrue(runs.stream().anyMatch(run -> run.getString("usage.sandboxStart").equals("cold")),
                "with the pool drained and restores failing, runs start cold");
        await().atMost(Duration.ofSeconds(90)).until(() -> !Files.exists(IMAGE) || Files.size(IMAGE) != 4096);
        await().atMost(Duration.ofSeconds(90)).until(() -> run("1").getString("usage.sandboxStart").equals("warm"));
        assertTrue(image.length > 4096);
    }

    private static void awaitPoolFull() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/v1/runtimes").jsonPath()
                .getString("[0].sandboxStart").endsWith("4 waiting"));
    }
}
