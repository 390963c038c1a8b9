package dev.codelab.sandbox.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What programs try, seen from outside their sandboxes, in the audit log and the metrics (warm sandboxes). */
@QuarkusTest
@Tag("sandbox")
class SecurityEventsTest extends RealSandboxTest {

    /** Tries each kind once (and unshare, which the seccomp profile refuses before gVisor can see it). */
    static final String PROBE = """
            import ctypes, os, socket, subprocess
            try:
                socket.create_connection(("127.0.0.1", 9), timeout=1)
            except OSError as e:
                print("connect:", e.errno)
            print("sh:", subprocess.run(["/bin/sh", "-c", "true"]).returncode)
            libc = ctypes.CDLL(None, use_errno=True)
            print("unshare:", libc.unshare(0x20000), ctypes.get_errno())
            try:
                open("/proc/1/environ").read()
            except OSError as e:
                print("environ:", e.errno)
            for attempt in (lambda: os.setuid(0), lambda: os.kill(1, 9)):
                try:
                    attempt()
                except OSError as e:
                    print("refused:", e.errno)
            """;

    static final String DATA_SCIENCE = """
            import numpy as np, pandas as pd
            import matplotlib.pyplot as plt
            df = pd.DataFrame({"x": np.arange(100), "y": np.random.default_rng(1).normal(size=100)})
            df.to_csv("data.csv")
            df = pd.read_csv("data.csv")
            df.plot(x="x", y="y")
            plt.show()
            df.describe()
            """;

    static final String FLOOD = """
            import os
            for _ in range(50000):
                try:
                    os.setuid(0)
                except OSError:
                    pass
            print("done")
            """;

    /** A flood that lasts long enough for another run to start and end beside it. */
    static final String LONG_FLOOD = """
            import os, time
            end = time.monotonic() + 10
            while time.monotonic() < end:
                try:
                    os.setuid(0)
                except OSError:
                    pass
            print("done")
            """;

    static final String SHELL = "import subprocess\nprint(subprocess.run(['/bin/sh', '-c', 'true']).returncode)";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The audit line of a run (written before its answer; the file handler may lag a moment). */
    static Map<?, ?> auditLine(String id) {
        Path audit = Path.of("target/audit.log");
        Map<?, ?>[] found = new Map<?, ?>[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String text : Files.readAllLines(audit)) {
                Map<?, ?> line = parse(text);
                if (line != null && id.equals(line.get("id"))) {
                    found[0] = line;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static Map<?, ?> parse(String text) {
        try {
            return JSON.readValue(text, Map.class);
        } catch (IOException e) {
            return null;
        }
    }

    static Map<?, ?> securityEvents(JsonPath run) {
        Map<?, ?> events = (Map<?, ?>) auditLine(run.getString("id")).get("securityEvents");
        assertNotNull(events, "the run was watched");
        return events;
    }

    private static int count(Map<?, ?> events, String kind) {
        return ((Number) events.get(kind)).intValue();
    }

    @Test
    void aProbeShowsEveryKindItTried() {
        JsonPath run = Api.run(PROBE);
        assertEquals("ok", run.getString("status"), run.prettify());
        assertTrue(run.getString("stdout").contains("unshare: -1 1"), "the profile refused unshare");
        assertFalse(run.prettify().contains("securityEvents"), "never shown to the user");
        Map<?, ?> events = securityEvents(run);
        assertTrue(count(events, "network") >= 2, "socket and connect: " + events);
        assertEquals(1, count(events, "exec"), "/bin/sh: " + events);
        assertEquals(1, count(events, "sensitivePaths"), "/proc/1/environ: " + events);
        // glibc's setuid asks every thread of the process to change (setxid): each asks the kernel, so
        // one call of the program's counts once per thread it has then (a partial line's flush timer is one)
        assertTrue(count(events, "privilege") >= 1, "setuid: " + events);
        // unshare was refused (above) but is not here: the OCI seccomp profile refuses it before any
        // gVisor trace point fires, so runtime monitoring cannot see it (README: "What it does not see").
        Map<?, ?> refused = (Map<?, ?>) events.get("refusedSyscalls");
        assertEquals(java.util.Set.of("setuid:EPERM", "kill:EPERM"), refused.keySet(), events.toString());
        assertEquals(1, ((Number) refused.get("kill:EPERM")).intValue(), "kill(1, 9): " + events);

        String metrics = Api.management().get("/q/metrics").asString();
        for (String kind : new String[]{"network", "exec", "sensitive_path", "privilege", "refused_syscall"}) {
            assertTrue(metrics.lines().anyMatch(line -> line.startsWith("codelab_security_events_total{kind=\"" + kind + "\"}")
                    && !line.endsWith(" 0.0")), kind + " in\n" + metrics);
        }
    }

    @Test
    void aNormalDataScienceRunShowsNothing() {
        JsonPath run = Api.run(DATA_SCIENCE);
        assertEquals("ok", run.getString("status"), run.prettify());
        Map<?, ?> events = securityEvents(run);
        for (String kind : new String[]{"network", "exec", "sensitivePaths", "privilege"}) {
            assertEquals(0, count(events, kind), kind + ": " + events);
        }
        assertEquals(Map.of(), events.get("refusedSyscalls"));
    }

    /**
     * A session's sandbox serves cell after cell: each cell's audit line counts that cell alone. A
     * hibernated session's sandbox is checkpointed and restored, and a trace session does not survive
     * that: the restored one is watched through a trace session of its own.
     */
    @Test
    void eachCellOfASessionCountsItsOwnEvenAfterHibernation() {
        Response created = given().contentType(ContentType.JSON).body(Map.of()).post("/v1/sessions");
        assertEquals(201, created.statusCode(), created.asString());
        String session = created.jsonPath().getString("id");
        try {
            Map<?, ?> probing = cellEvents(session, SHELL, "probing cell");
            assertEquals(1, count(probing, "exec"), "/bin/sh: " + probing);
            Map<?, ?> quiet = cellEvents(session, "print(1)", "the next cell");
            assertEquals(0, count(quiet, "exec"), "the first cell's exec is not counted again: " + quiet);
            assertEquals(0, ((Number) quiet.get("network")).intValue() + count(quiet, "sensitivePaths")
                    + count(quiet, "privilege"), quiet.toString());

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)) // hibernate-after: 3 s in tests
                    .until(() -> "hibernated".equals(given().get("/v1/sessions/" + session).jsonPath().getString("state")));
            Map<?, ?> resumed = cellEvents(session, SHELL, "the cell that resumed the session");
            assertEquals(1, count(resumed, "exec"), "the restored sandbox is watched: " + resumed);
        } finally {
            given().delete("/v1/sessions/" + session);
        }
    }

    /** Runs a cell and returns its audit line's securityEvents (the line is a cell's, of that session). */
    private static Map<?, ?> cellEvents(String session, String code, String what) {
        Response response = given().contentType(ContentType.JSON).body(Api.request(code))
                .post("/v1/sessions/" + session + "/executions");
        assertEquals(200, response.statusCode(), what + ": " + response.asString());
        JsonPath cell = response.jsonPath();
        assertEquals("ok", cell.getString("status"), what + ": " + cell.prettify());
        assertFalse(cell.prettify().contains("securityEvents"), "never shown to the user");
        Map<?, ?> line = auditLine(cell.getString("id"));
        assertEquals("cell", line.get("event"));
        assertEquals(session, line.get("session"));
        Map<?, ?> events = (Map<?, ?>) line.get("securityEvents");
        assertNotNull(events, what + " was watched");
        return events;
    }

    @Test
    void aFloodOfRefusedCallsLeavesCappedCountsAndIsShed() {
        JsonPath run = Api.run(FLOOD);
        assertEquals("ok", run.getString("status"), run.prettify());
        Map<?, ?> events = securityEvents(run);
        int cap = 1000; // codelab.monitoring.max-count
        assertEquals(Map.of("setuid:EPERM", cap), events.get("refusedSyscalls"), "capped: " + events);
        assertEquals(cap, count(events, "privilege"));
        assertTrue(((Number) events.get("droppedEvents")).longValue() > 0,
                "the service read no more than its rate; gVisor dropped the rest: " + events);
    }

    /**
     * A run beside a flooding one is answered, and its audit line holds its own events only: the
     * flood's events are shed per sandbox and never reach another run's counts.
     */
    @Test
    void aRunBesideAFloodIsAnsweredWithItsOwnCountsOnly() throws Exception {
        CompletableFuture<JsonPath> flood = CompletableFuture.supplyAsync(() -> Api.run(LONG_FLOOD));
        Api.sleep(1500);
        JsonPath beside = Api.run(DATA_SCIENCE);
        JsonPath flooded = flood.get(60, TimeUnit.SECONDS);
        assertEquals("ok", beside.getString("status"), beside.prettify());
        assertEquals("ok", flooded.getString("status"), flooded.prettify());
        Map<?, ?> floodLine = auditLine(flooded.getString("id"));
        Map<?, ?> besideLine = auditLine(beside.getString("id"));
        Instant floodStart = Instant.parse((String) floodLine.get("startedAt"));
        Instant floodEnd = Instant.parse((String) floodLine.get("finishedAt"));
        Instant besideStart = Instant.parse((String) besideLine.get("startedAt"));
        Instant besideEnd = Instant.parse((String) besideLine.get("finishedAt"));
        assertTrue(floodStart.isBefore(besideStart) && besideEnd.isBefore(floodEnd),
                "the runs overlapped: flood " + floodStart + ".." + floodEnd + ", beside " + besideStart + ".." + besideEnd);
        Map<?, ?> events = (Map<?, ?>) besideLine.get("securityEvents");
        assertNotNull(events, "the run beside was watched");
        assertEquals(Map.of(), events.get("refusedSyscalls"), "none of the flood's events: " + events);
        assertEquals(0, count(events, "privilege"), events.toString());
        assertTrue(count((Map<?, ?>) floodLine.get("securityEvents"), "privilege") > 0, "the flood was seen");
    }
}
