package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys, quotas, queueing and abuse throttling, over real HTTP and real sandboxes. */
@QuarkusTest
@Tag("sandbox")
@TestProfile(Multitenant.class)
class AdmissionTest extends RealSandboxTest {

    private static Response post(String key, String body) {
        var request = given().contentType(ContentType.JSON).body(body);
        if (key != null) {
            request = request.header("Authorization", "Bearer " + key);
        }
        return request.post("/v1/executions");
    }

    @Test
    void aMissingOrWrongKeyIs401() {
        for (String key : new String[]{null, "not-a-key", Multitenant.OPEN_KEY + "x"}) {
            post(key, "{\"code\": \"print(1)\"}").then().statusCode(401)
                    .contentType("application/problem+json").header("WWW-Authenticate", "Bearer")
                    .body("field", is("Authorization"));
        }
        given().get("/v1/runtimes").then().statusCode(401);
        given().header("Authorization", "Bearer " + Multitenant.OPEN_KEY).get("/v1/runtimes").then().statusCode(200);
        post(Multitenant.OPEN_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200).body("stdout", is("1\n"));
    }

    @Test
    void keysAreReloadedWithoutRestart() throws Exception {
        post(Multitenant.LATE_KEY, "{\"code\": \"print(1)\"}").then().statusCode(401);
        Thread.sleep(1100); // a new modification time
        Multitenant.writeKeys(true);
        post(Multitenant.LATE_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
    }

    @Test
    void aKeysMaximaRejectAnOversizedLimit() {
        post(Multitenant.SMALL_KEY, "{\"code\": \"\", \"limits\": {\"memoryMb\": 512}}").then().statusCode(400)
                .body("field", is("limits.memoryMb"))
                .body("detail", containsString("between 1 and 128 (the most this API key may ask for)"));
        post(Multitenant.SMALL_KEY, "{\"code\": \"\"}").then().statusCode(200)
                .body("status", is("ok"));
    }

    @Test
    void aKeyOverItsRateGets429() {
        List<Integer> codes = IntStream.range(0, 5)
                .mapToObj(i -> post(Multitenant.RATED_KEY, "{\"code\": \"print(1)\"}"))
                .map(response -> {
                    if (response.statusCode() == 429) {
                        response.then().header("Retry-After", org.hamcrest.Matchers.notNullValue())
                                .body("detail", containsString("3 executions per minute"));
                    }
                    return response.statusCode();
                }).toList();
        assertEquals(List.of(200, 200, 200, 429, 429), codes);
    }

    @Test
    void aStreamRefusedBeforeItStartsIsAProblemNotAnEmptyStream() {
        for (String accept : List.of("text/event-stream", "application/x-ndjson")) {
            Response refused = null;
            for (int i = 0; i < 2 && (refused == null || refused.statusCode() == 200); i++) { // one run a minute
                refused = given().header("Authorization", "Bearer " + Multitenant.STREAM_RATED_KEY)
                        .contentType("application/json").accept(accept).body("{\"code\": \"print(1)\"}").post("/v1/executions");
            }
            assertEquals(429, refused.statusCode(), accept + ": " + refused.asString());
            assertEquals("application/problem+json", refused.contentType().split(";")[0], accept);
            refused.then().header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .body("detail", containsString("1 executions per minute"));
        }
    }

    @Test
    void aBurstGetsOnly200sAnd429sAndEvery200IsRight() {
        List<Response> burst = Api.concurrently(40, i -> post(Multitenant.OPEN_KEY,
                "{\"code\": \"import time\\ntime.sleep(0.3)\\nprint(" + i + " * 2)\"}"));
        int ok = 0;
        int rejected = 0;
        for (int i = 0; i < burst.size(); i++) {
            Response response = burst.get(i);
            if (response.statusCode() == 200) {
                ok++;
                assertEquals((i * 2) + "\n", response.jsonPath().getString("stdout"));
                assertEquals("ok", response.jsonPath().getString("status"));
            } else {
                assertEquals(429, response.statusCode(), response.asString());
                assertNotNull(response.header("Retry-After"));
                assertTrue(Integer.parseInt(response.header("Retry-After")) >= 1);
                rejected++;
            }
        }
        assertTrue(ok >= 6, "2 running + 4 queued are served: " + ok);
        assertTrue(rejected > 0, "the rest are turned away at once");
    }

    @Test
    void aKeyThatKeepsHittingLimitsIsThrottled() {
        String forkBomb = "{\"code\": \"import os\\nwhile True:\\n    os.fork()\", \"limits\": {\"pids\": 16, \"memoryMb\": 1024}}";
        for (int i = 0; i < 10; i++) {
            Response run = post(Multitenant.ABUSER_KEY, forkBomb);
            assertEquals(200, run.statusCode(), run.asString());
            assertTrue(List.of("process_limit", "memory_limit").contains(run.jsonPath().getString("status")));
        }
        post(Multitenant.ABUSER_KEY, "{\"code\": \"print(1)\"}").then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("detail", containsString("throttled"));
        post(Multitenant.OPEN_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
    }

    @Test
    void aKeyThatKeepsProbingItsSandboxIsThrottled() {
        String probe = "{\"code\": \"try:\\n    open('/etc/shadow')\\nexcept OSError:\\n    pass\"}";
        for (int i = 0; i < 5; i++) { // codelab.admission.abuse.max-probing-runs
            post(Multitenant.PROBER_KEY, probe).then().statusCode(200).body("status", is("ok"));
        }
        post(Multitenant.PROBER_KEY, "{\"code\": \"print(1)\"}").then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("detail", containsString("probed their sandbox"));
        post(Multitenant.OPEN_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
    }

    @Test
    void teachingCodeThatReadsAUrlOrRunsAToolIsNotAbuse() {
        String readsUrls = "{\"code\": \"import pandas as pd, subprocess\\nsubprocess.run(['/bin/true'])\\n"
                + "try:\\n    pd.read_csv('https://example.com/data.csv')\\nexcept Exception as e:\\n    print(type(e).__name__)\"}";
        for (int i = 0; i < 10; i++) { // twice codelab.admission.abuse.max-probing-runs
            Response run = post(Multitenant.TEACHER_KEY, readsUrls);
            assertEquals(200, run.statusCode(), run.asString());
            assertEquals("URLError\n", run.jsonPath().getString("stdout"), run.asString());
        }
        post(Multitenant.TEACHER_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
        assertTrue(Api.metric("codelab_security_events_total{kind=\"network\"}") >= 10, "counted and shown, all the same");
    }

    @Test
    void metricsCountWhatHappened() {
        String auth = "codelab_rejections_total{reason=\"auth\"}";
        String ok = "codelab_executions_total{language=\"python\",status=\"ok\"}";
        String starts = "codelab_sandbox_starts_total";
        double authBefore = Api.metric(auth);
        double okBefore = Api.metric(ok);
        double startsBefore = Api.metric(starts + "{mode=\"warm\"}") + Api.metric(starts + "{mode=\"restored\"}")
                + Api.metric(starts + "{mode=\"cold\"}");
        post(null, "{\"code\": \"\"}").then().statusCode(401);
        post(null, "{\"code\": \"\"}").then().statusCode(401);
        post(Multitenant.OPEN_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
        assertEquals(2, Api.metric(auth) - authBefore);
        assertTrue(Api.metric(ok) - okBefore >= 1, "the run (and maybe the readiness canary)");
        double startsAfter = Api.metric(starts + "{mode=\"warm\"}") + Api.metric(starts + "{mode=\"restored\"}")
                + Api.metric(starts + "{mode=\"cold\"}");
        assertTrue(startsAfter - startsBefore >= 1);
        assertTrue(Api.metric("codelab_pool_ready_sandboxes{language=\"python\"}") >= 0);
        String metrics = Api.management().get("/q/metrics").asString();
        assertTrue(metrics.contains("codelab_executions_queued "), metrics);
    }

    @Test
    void auditLinesAreJsonAndHoldNoCode() throws Exception {
        String marker = "secret_marker_" + System.nanoTime();
        String id = post(Multitenant.OPEN_KEY, "{\"code\": \"" + marker + " = 1\\nprint(" + marker + ")\"}")
                .then().statusCode(200).extract().path("id");
        Path audit = Path.of("target/audit.log");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Files.readString(audit).contains(id)); // the audit line is written before the answer leaves
        List<String> lines = Files.readAllLines(audit);
        assertTrue(lines.stream().noneMatch(line -> line.contains(marker)), "no code in the audit log");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<?, ?> line = null;
        for (String text : lines) {
            Map<?, ?> parsed = json.readValue(text, Map.class);
            if (id.equals(parsed.get("id"))) {
                line = parsed;
            }
        }
        assertNotNull(line, "a line for run " + id);
        assertEquals("open", line.get("tenant"));
        assertEquals("ok", line.get("status"));
        assertEquals(64, ((String) line.get("codeSha256")).length());
        assertEquals(2 * marker.length() + 12, ((Number) line.get("codeBytes")).intValue());
        assertTrue(((Number) line.get("cpuMs")).longValue() > 0, "the run's own CPU, from its cgroup: " + line);
        assertTrue(List.of("warm", "restored", "cold").contains(line.get("sandboxStart")), line.toString());
    }
}
