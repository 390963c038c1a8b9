package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A notebook's cells share one sandbox: state persists, cells are interrupted, sessions end and hibernate. */
@QuarkusTest
@Tag("sandbox")
class SessionTest extends SessionsUnderTest {

    @Test
    void variablesImportsAndFilesPersistAcrossCells() {
        String id = open(Map.of("files", List.of(Map.of("path", "given.txt", "content", "from the session")), "env",
                Map.of("WHO", "notebook")));
        assertEquals("ok", cell(id, "import os, json\ncounter = 41\nopen('made.txt', 'w').write('x')").getString("status"));
        JsonPath second = cell(id, "counter += 1\nprint(counter, json.dumps(os.environ['WHO']), open('given.txt').read())");
        assertEquals("42 \"notebook\" from the session\n", second.getString("stdout"), second.getString("stderr"));
        String pod = given().get("/v1/sessions/" + id).jsonPath().getString("pod");
        assertEquals(Map.of("id", id, "state", "active", "pod", pod), second.getMap("session"), "and which replica holds it");
        JsonPath files = cell(id, "open('made.txt', 'a').write('y')\nopen('new.txt', 'w').write('n')");
        assertEquals(List.of("made.txt", "new.txt"), files.getList("files.path"), "only what this cell changed");
        assertEquals(3, given().get("/v1/sessions/" + id).jsonPath().getInt("cells"));
    }

    @Test
    void aCellStreamsAsNdjsonAndSse() {
        String id = open();
        cell(id, "x = 41");
        String lines = given().contentType(ContentType.JSON).accept("application/x-ndjson").body(Api.request("print(x + 1)"))
                .post("/v1/sessions/" + id + "/executions").then().statusCode(200).extract().asString();
        assertTrue(lines.contains("{\"type\":\"stdout\",\"data\":\"42\\n\"}"), lines);
        String events = given().contentType(ContentType.JSON).accept("text/event-stream").body(Api.request("print(x)"))
                .post("/v1/sessions/" + id + "/executions").then().statusCode(200).extract().asString();
        assertTrue(events.matches("(?s).*event: ?stdout.*event: ?done.*"), events);
    }

    @Test
    void twoSessionsNeverSeeEachOther() {
        String first = open();
        String second = open();
        cell(first, "secret = 'first'\nopen('/tmp/mark', 'w').write('first')");
        JsonPath other = cell(second, "import os\nprint('secret' in globals(), os.path.exists('/tmp/mark'))");
        assertEquals("False False\n", other.getString("stdout"));
    }

    @Test
    void aSecondCellWhileOneRunsIsAConflict() {
        String id = open();
        CompletableFuture<JsonPath> slow = CompletableFuture.supplyAsync(() -> {
            Response first = cellResponse(id, "import time\ntime.sleep(4)");
            while (first.statusCode() == 409) { // the probe below took the turn first: try again
                first = cellResponse(id, "import time\ntime.sleep(4)");
            }
            assertEquals(200, first.statusCode(), first.asString());
            return first.jsonPath();
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Response second = cellResponse(id, "print(1)");
        while (second.statusCode() != 409 && !slow.isDone() && System.nanoTime() < deadline) {
            Api.sleep(100);
            second = cellResponse(id, "print(1)");
        }
        assertEquals(409, second.statusCode(), second.asString());
        assertEquals("application/problem+json", second.contentType());
        assertEquals("ok", slow.join().getString("status"));
        assertEquals("ok", cell(id, "print(1)").getString("status"), "the session takes the next cell");
    }

    @Test
    void theNextCellSentTheMomentAnAnswerArrivesIsTaken() {
        String id = open();
        cell(id, "n = 0");
        for (int i = 1; i <= 40; i++) { // a notebook's "run all": each cell as soon as the last answered
            Response next = cellResponse(id, "n += 1\nprint(n)");
            assertEquals(200, next.statusCode(), "cell " + i + ": " + next.asString());
            assertEquals(i + "\n", next.jsonPath().getString("stdout"));
        }
    }

    @Test
    void aCellPastItsTimeIsInterruptedAndTheSessionSurvives() {
        String id = open();
        cell(id, "kept = 'still here'");
        JsonPath slow = cell(id, "import time\nwhile True:\n    time.sleep(0.05)", "limits", Map.of("timeoutMs", 1500));
        assertEquals("timeout", slow.getString("status"));
        assertTrue(slow.getString("stderr").contains("KeyboardInterrupt"), slow.getString("stderr"));
        assertEquals("active", slow.getString("session.state"));
        assertEquals("still here\n", cell(id, "print(kept)").getString("stdout"));
    }

    @Test
    void aCellPastItsOutputIsInterruptedAndTheSessionSurvives() {
        String id = open();
        JsonPath flood = cell(id, "while True:\n    print('x' * 1000)", "limits", Map.of("outputBytes", 10_000));
        assertEquals("output_limit", flood.getString("status"));
        long held = Api.answerBytes(flood.getString("stdout"));
        assertTrue(held <= 10_000 && held >= 9_999, "outputBytes of answer: " + held);
        assertEquals("active", flood.getString("session.state"));
        assertEquals("ok", cell(id, "print('next')").getString("status"));
    }

    @Test
    void aCellThatIgnoresTheInterruptEndsTheSession() {
        String id = open();
        JsonPath stubborn = cell(id, "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass",
                "limits", Map.of("timeoutMs", 1000));
        assertEquals("timeout", stubborn.getString("status"));
        assertEquals("ended", stubborn.getString("session.state"));
        assertEquals(404, cellResponse(id, "print(1)").statusCode());
    }

    @Test
    void aMemoryBombEndsTheSession() {
        String id = open(Map.of("limits", Map.of("memoryMb", 128)));
        JsonPath bomb = cell(id, "blocks = []\nwhile True: blocks.append(bytearray(16 << 20))");
        assertEquals("memory_limit", bomb.getString("status"));
        assertEquals("ended", bomb.getString("session.state"));
        assertEquals(404, given().get("/v1/sessions/" + id).statusCode());
    }

    @Test
    void aCellsUsageIsItsOwnNotTheSessionsTotal() {
        String id = open();
        JsonPath busy = cell(id, "for i in range(4 * 10**7):\n    pass");
        JsonPath small = cell(id, "x = 1");
        long busyCpu = busy.getLong("usage.cpuMs");
        long smallCpu = small.getLong("usage.cpuMs");
        assertTrue(busyCpu > 100, busy.prettify());
        // the sandbox's own cgroup counts both; only the session's running total would put the first in the second
        assertTrue(smallCpu < busyCpu / 2, "a trivial cell after a busy one: " + smallCpu + " ms vs " + busyCpu + " ms");
    }

    @Test
    void anIdleSessionEnds() {
        String id = open(Map.of("idleTimeoutMs", 1500));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get("/v1/sessions/" + id).statusCode() == 404);
        assertEquals("idle_timeout", given().get("/v1/sessions/" + id).jsonPath().getString("endReason"));
    }

    @Test
    void anIdleSessionHibernatesAndResumesWithItsState() {
        String id = open();
        cell(id, "import pandas as pd\nframe = pd.DataFrame({'v': range(100_000)})\nopen('kept.txt', 'w').write('file')");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> "hibernated".equals(given().get("/v1/sessions/" + id).jsonPath().getString("state")));
        assertEquals(0, Api.busySandboxes(), "a hibernated session holds no sandbox");
        JsonPath resumed = cell(id, "print(len(frame), frame.v.sum(), open('kept.txt').read())");
        assertEquals("100000 4999950000 file\n", resumed.getString("stdout"), resumed.getString("stderr"));
        assertEquals("active", given().get("/v1/sessions/" + id).jsonPath().getString("state"));
    }

    @Test
    void deleteEndsTheSessionAndItsSandboxAtOnce() {
        String id = open();
        cell(id, "x = 1");
        assertEquals(204, given().delete("/v1/sessions/" + id).statusCode());
        assertEquals(404, given().get("/v1/sessions/" + id).statusCode());
        assertEquals(404, given().delete("/v1/sessions/" + id).statusCode());
        Api.assertNoSandboxLeft(Duration.ofSeconds(10));
    }

    @Test
    void badRequestsAreNamed() {
        Response tooIdle = given().contentType(ContentType.JSON).body(Map.of("idleTimeoutMs", 999_999_999L)).post("/v1/sessions");
        assertEquals(400, tooIdle.statusCode());
        assertTrue(tooIdle.asString().contains("idleTimeoutMs"), tooIdle.asString());
        String id = open();
        Response wrongLimit = cellResponse(id, "print(1)", "limits", Map.of("memoryMb", 512));
        assertEquals(400, wrongLimit.statusCode());
        assertTrue(wrongLimit.asString().contains("memoryMb"), wrongLimit.asString());
        assertEquals(404, cellResponse("no-such-session", "print(1)").statusCode());
    }

    @Test
    void housekeepingAfterACellIsNotOnItsClock() {
        String id = open();
        cell(id, "import os\nfor i in range(800):\n    open(f'f{i}.txt', 'w').write(str(i))", "limits",
                Map.of("timeoutMs", 30_000));
        for (int i = 0; i < 5; i++) {
            JsonPath quick = cell(id, "y = 2", "limits", Map.of("timeoutMs", 150));
            assertEquals("ok", quick.getString("status"), "the rescan of 800 files is not the cell's time: " + quick.prettify());
        }
    }

    @Test
    void aNameNewerThanEitherSidesUnicodeTablesIsAFileLikeAnother() {
        String id = open();
        JsonPath saved = cell(id, "open('\\U0001FAE0.txt', 'w').write('melt')\nopen('a b.txt', 'w').write('space')");
        assertEquals("ok", saved.getString("status"), saved.getString("stderr"));
        assertEquals(List.of("a b.txt", "\uD83E\uDEE0.txt"), saved.getList("files.path"));
        assertEquals("active", saved.getString("session.state"));
    }

    @Test
    void anInputFileThatCannotBeWrittenIsSaidAndTheSessionGoesOn() {
        String id = open();
        cell(id, "import os\nos.makedirs('data/in.csv')\nkept = 7");
        JsonPath refused = cell(id, "print('never runs')", "files", List.of(Map.of("path", "data/in.csv", "content", "x")));
        assertEquals("error", refused.getString("status"));
        assertTrue(refused.getString("stderr").contains("data/in.csv"), refused.getString("stderr"));
        assertEquals("", refused.getString("stdout"));
        assertEquals("active", refused.getString("session.state"));
        assertEquals("7\n", cell(id, "print(kept)").getString("stdout"));
    }

    @Test
    void aProgramThatExitsEndsTheSessionAndSaysWhy() {
        String id = open();
        JsonPath exited = cell(id, "import os\nos._exit(4)");
        assertEquals("ended", exited.getString("session.state"));
        assertEquals("program_exited", exited.getString("session.endReason"));
        assertEquals(4, exited.getInt("exitCode"));
        Response gone = given().get("/v1/sessions/" + id);
        assertEquals(404, gone.statusCode());
        assertEquals("program_exited", gone.jsonPath().getString("endReason"), gone.asString());
        assertTrue(gone.jsonPath().getString("detail").contains("exited"), gone.asString());
    }

    @Test
    void sysExitInACellIsItsExitCodeAndTheKernelLivesOn() {
        String id = open();
        JsonPath exited = cell(id, "kept = 5\nimport sys\nsys.exit(3)");
        assertEquals("error", exited.getString("status"));
        assertEquals(3, exited.getInt("exitCode"));
        assertEquals("active", exited.getString("session.state"));
        assertEquals("5\n", cell(id, "print(kept)").getString("stdout"));
    }

    @Test
    void aDisplayFrameNestedBeyondReasonIsThatFramesErrorOnly() {
        String id = open();
        JsonPath nested = cell(id, "import os, struct\npayload = b'[' * 200_000\n"
                + "os.write(3, struct.pack('>cI', b'D', len(payload)) + payload)\nos.read(4, 1)\nprint('after')");
        assertTrue(List.of("error", "ok").contains(nested.getString("status")), nested.prettify());
        assertTrue(nested.getString("stderr").contains("codelab-sandbox"), "the refusal is said: " + nested.getString("stderr"));
        JsonPath next = cell(id, "print('still here')");
        assertEquals("still here\n", next.getString("stdout"), "the supervisor lives: " + next.prettify());
    }

    @Test
    void aRaisedMemoryErrorOrBlockingIOErrorIsNoLimitOfItsOwn() {
        String id = open();
        JsonPath memory = cell(id, "raise MemoryError()");
        assertEquals("error", memory.getString("status"), "no cgroup ever saw the limit");
        JsonPath threads = cell(id, "import threading, time\nfor i in range(32):\n"
                + "    threading.Thread(target=time.sleep, args=(2,), daemon=True).start()\nraise BlockingIOError()");
        assertEquals("error", threads.getString("status"), "no fork was refused");
        assertEquals("active", threads.getString("session.state"));
    }

    /**
     * Issue 18 row 5: a session holding most of its memory was restored into a cgroup set below its
     * own limit (the pool's preparing limit), failed, and lost its state.
     */
    @Test
    void aSessionHoldingMostOfItsMemoryResumesWithItsOwnLimits() {
        String id = open(Map.of("limits", Map.of("memoryMb", 2048)));
        JsonPath filled = cell(id, "data = bytes(range(256)) * (1900 * 4096)", "limits", Map.of("timeoutMs", 120_000));
        assertEquals("ok", filled.getString("status"), filled.getString("stderr"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> "hibernated".equals(given().get("/v1/sessions/" + id).jsonPath().getString("state")));
        JsonPath resumed = cell(id, "print(len(data), data[-1])", "limits", Map.of("timeoutMs", 120_000));
        assertEquals((1900L << 20) + " 255\n", resumed.getString("stdout"), resumed.prettify());
        assertEquals("restored", resumed.getString("usage.sandboxStart"));
    }
}
