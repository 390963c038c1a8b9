package dev.codelab.sandbox.session;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A notebook's kernel menu: interrupt, restart, and the list of its sessions. */
@QuarkusTest
@Tag("sandbox")
class KernelControlsTest extends SessionsUnderTest {

    private static JsonPath post(String id, String control) {
        Response response = given().post("/v1/sessions/" + id + "/" + control);
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }

    @Test
    void interruptStopsTheRunningCellAndTheKernelLivesOn() {
        String id = open(Map.of());
        cell(id, "kept = 'state'");
        assertFalse(post(id, "interrupt").getBoolean("interrupted"), "nothing runs yet");
        CompletableFuture<Response> busy = CompletableFuture.supplyAsync(() -> cellResponse(id,
                "import time\nwhile True: time.sleep(0.05)", "limits", Map.of("timeoutMs", 120_000)));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> post(id, "interrupt").getBoolean("interrupted"));
        JsonPath stopped = busy.join().jsonPath();
        assertEquals("error", stopped.getString("status"), stopped.prettify());
        assertEquals("KeyboardInterrupt", stopped.getString("error.ename"), stopped.prettify());
        assertTrue(stopped.getString("stderr").contains("KeyboardInterrupt"), stopped.getString("stderr"));
        assertEquals("active", stopped.getString("session.state"));
        assertEquals("state\n", cell(id, "print(kept)").getString("stdout"), "the kernel kept its variables");
    }

    @Test
    void anInterruptSentAsTheCellStartsIsNotLost() {
        String id = open(Map.of());
        for (int round = 0; round < 5; round++) {
            CompletableFuture<Response> busy = CompletableFuture.supplyAsync(() -> cellResponse(id,
                    "import time\nwhile True: time.sleep(0.05)", "limits", Map.of("timeoutMs", 120_000)));
            // at once and again: some land before the cell reached its supervisor, which must hold them
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
                    .until(() -> post(id, "interrupt").getBoolean("interrupted"));
            JsonPath stopped = busy.join().jsonPath();
            assertEquals("error", stopped.getString("status"), stopped.prettify());
            assertTrue(stopped.getString("stderr").contains("KeyboardInterrupt"), stopped.getString("stderr"));
        }
    }

    @Test
    void restartGivesAFreshKernelWithTheSessionsOpeningFiles() {
        String id = open(Map.of("files", List.of(Map.of("path", "given.txt", "content", "from the opening"))));
        cell(id, "import os\nx = 1\nopen('made.txt', 'w').write('gone after a restart')");
        JsonPath restarted = post(id, "restart");
        assertEquals(id, restarted.getString("id"));
        assertEquals("active", restarted.getString("state"));
        assertEquals(0, restarted.getInt("cells"));
        JsonPath fresh = cell(id, "import os\nprint('x' in globals(), sorted(os.listdir('.')), open('given.txt').read())");
        assertEquals("False ['given.txt'] from the opening\n", fresh.getString("stdout"), fresh.getString("stderr"));
        assertEquals(1, given().get("/v1/sessions/" + id).jsonPath().getInt("cells"));
    }

    @Test
    void restartWaitsForNoCellButRefusesOneThatRuns() {
        String id = open(Map.of());
        CompletableFuture<Response> busy = CompletableFuture.supplyAsync(() -> cellResponse(id,
                "import time\nprint('started', flush=True)\ntime.sleep(600)", "limits", Map.of("timeoutMs", 120_000)));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> post(id, "interrupt").getBoolean("interrupted"));
        Response refused = given().post("/v1/sessions/" + id + "/restart");
        if (!busy.isDone()) { // the interrupt usually ends the cell first; if not, a restart is refused
            assertEquals(409, refused.statusCode(), refused.asString());
            assertEquals("application/problem+json", refused.contentType().split(";")[0]);
        }
        busy.join();
        assertEquals("ok", cell(id, "print(1)").getString("status"));
    }

    @Test
    void theListHoldsThisKeysSessionsAndAnEndedOneIsAuditedAndGone() {
        String first = open(Map.of());
        String second = open(Map.of());
        List<String> listed = given().get("/v1/sessions").jsonPath().getList("sessions.id");
        assertTrue(listed.containsAll(List.of(first, second)), listed.toString());
        assertEquals(204, given().delete("/v1/sessions/" + second).statusCode());
        assertFalse(given().get("/v1/sessions").jsonPath().getList("sessions.id").contains(second), "an ended one is gone");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> java.nio.file.Files
                .readAllLines(java.nio.file.Path.of("target/audit.log")).stream().anyMatch(line ->
                        line.contains("\"event\":\"session-ended\",\"session\":\"" + second + "\"")
                                && line.contains("\"reason\":\"deleted\"")));
        for (String control : List.of("interrupt", "restart")) {
            Response unknown = given().post("/v1/sessions/" + second + "/" + control);
            assertEquals(404, unknown.statusCode(), unknown.asString());
            assertEquals("deleted", unknown.jsonPath().getString("endReason"), unknown.asString());
        }
    }
}
