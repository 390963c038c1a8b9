package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.PackagedService;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restart of the service, stopped or crashed: its sessions outlive it where their state was saved
 * (issue 20), and nothing else of it is left: no sandbox, cgroup or container of the earlier process.
 * The service under test is the packaged one, started as a process of its own with its own ports,
 * state and cgroups, so that killing it touches no other test.
 */
@Tag("sandbox")
class ServiceRestartTest {

    private final PackagedService service = new PackagedService("restart", 18_290, List.of(), Map.of(
            "codelab.admission.open", "true", "codelab.pool.size", "1", "codelab.pool.ml-size", "0",
            "codelab.session.hibernate-after", "10m", "codelab.session.tend-every", "1s"));

    @AfterEach
    void stopService() throws InterruptedException {
        service.close();
        // The close saved its sessions (SIGTERM drains them): left there, every run's would count
        // against the next run's sessions, until opening one is a 429.
        Api.command("rm", "-rf", service.stateDir() + "/sessions");
    }

    @Test
    void aStoppedServiceSavesItsSessionsAndTheNextOneResumesThem() throws Exception {
        service.start();
        String first = liveSession();
        String second = liveSession();

        assertTrue(service.stop(Duration.ofSeconds(120)), "the service stopped (SIGTERM: the drain)");

        assertEquals(List.of(), service.sandboxCgroups(), "no sandbox's cgroup is left, so none of its processes");
        assertEquals(List.of(), service.runscContainers(), "runsc knows no container");
        assertTrue(Files.isDirectory(published(first)) && Files.isDirectory(published(second)),
                "both sessions wait in the sessions directory");

        service.start();
        assertEquals("2\n", cell(first, "print(x + 1)").jsonPath().getString("stdout"));
        assertEquals("2\n", cell(second, "print(x + 1)").jsonPath().getString("stdout"));
    }

    @Test
    void theStartAfterACrashRemovesWhatTheCrashedServiceLeftAndKeepsWhatWasSaved() throws Exception {
        service.start();
        String sleeping = liveSession();
        assertTrue(service.stop(Duration.ofSeconds(120)), "a first stop saves it");
        service.start();
        String live = liveSession();
        List<String> before = service.sandboxCgroups();
        assertTrue(service.kill()); // SIGKILL: no shutdown path runs, the sandboxes outlive the JVM
        assertTrue(before.stream().anyMatch(this::hasProcesses), "the crash left running sandboxes");

        service.start();
        List<String> after = service.sandboxCgroups();
        assertEquals(List.of(), after.stream().filter(before::contains).toList(), "the crashed service's sandboxes are gone");
        assertTrue(service.runscContainers().stream().noneMatch(before::contains), "runsc knows none of them");
        assertEquals("2\n", cell(sleeping, "print(x + 1)").jsonPath().getString("stdout"), "a saved session lives on");
        Response lost = service.api().get("/v1/sessions/" + live);
        assertEquals(404, lost.statusCode(), "a live session's state was never saved");
        assertEquals("pod_lost", lost.jsonPath().getString("endReason"), lost.asString());
    }

    private String liveSession() {
        String id = service.api().body(Map.of("idleTimeoutMs", 600_000)).post("/v1/sessions").then().statusCode(201)
                .extract().jsonPath().getString("id");
        cell(id, "x = 1").then().statusCode(200);
        return id;
    }

    private Response cell(String id, String code) {
        Response response = service.api().body(Map.of("code", code)).post("/v1/sessions/" + id + "/executions");
        assertEquals(200, response.statusCode(), response.asString());
        return response;
    }

    private Path published(String session) {
        return Path.of(service.stateDir(), "sessions", "hibernated", session);
    }

    private boolean hasProcesses(String sandbox) {
        return !Api.read(Path.of("/sys/fs/cgroup/pids", service.cgroupParent(), sandbox, "cgroup.procs")).isBlank();
    }
}
