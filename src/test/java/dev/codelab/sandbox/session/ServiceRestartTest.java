package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.PackagedService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restart of the service, stopped or crashed, leaves no session's sandbox, cgroup or hibernated
 * image behind. The service under test is the packaged one, started as a process of its own with
 * its own ports, state and cgroups, so that killing it touches no other test.
 */
@Tag("sandbox")
class ServiceRestartTest {

    private final PackagedService service = new PackagedService("restart", 18_290, List.of(), Map.of(
            "codelab.admission.open", "true", "codelab.pool.size", "1",
            "codelab.session.hibernate-after", "2s", "codelab.session.tend-every", "1s"));

    @AfterEach
    void stopService() throws InterruptedException {
        service.close();
    }

    @Test
    void aStoppedServiceEndsItsSessionsAndDeletesTheirImages() throws Exception {
        service.start();
        String sleeping = hibernatedSession();
        String live = liveSession();
        assertTrue(Files.isDirectory(image(sleeping)), "the hibernated session's image is on disk");

        assertTrue(service.stop(Duration.ofSeconds(90)), "the service stopped (SIGTERM: the shutdown path)");

        assertEquals(List.of(), service.sandboxCgroups(), "no sandbox's cgroup is left, so none of its processes");
        assertEquals(List.of(), service.runscContainers(), "runsc knows no container");
        assertFalse(Files.exists(image(sleeping)), "the hibernated image is deleted");
        assertFalse(Files.exists(image(live)));
    }

    @Test
    void theStartAfterACrashRemovesWhatTheCrashedServiceLeft() throws Exception {
        service.start();
        String sleeping = hibernatedSession();
        liveSession();
        List<String> before = service.sandboxCgroups();
        assertTrue(service.kill()); // SIGKILL: no shutdown path runs, the sandboxes outlive the JVM
        assertTrue(before.stream().anyMatch(this::hasProcesses), "the crash left running sandboxes");
        assertTrue(Files.isDirectory(image(sleeping)), "and a hibernated image");

        service.start();
        List<String> after = service.sandboxCgroups();
        assertEquals(List.of(), after.stream().filter(before::contains).toList(), "the crashed service's sandboxes are gone");
        assertTrue(service.runscContainers().stream().noneMatch(before::contains), "runsc knows none of them");
        assertFalse(Files.exists(image(sleeping)), "the hibernated image is deleted");
        assertEquals(404, service.api().get("/v1/sessions/" + sleeping).statusCode(), "sessions do not outlive their service");
    }

    private String liveSession() {
        String id = service.api().body(Map.of()).post("/v1/sessions").then().statusCode(201).extract().jsonPath()
                .getString("id");
        service.api().body(Map.of("code", "x = 1")).post("/v1/sessions/" + id + "/executions").then().statusCode(200);
        return id;
    }

    private String hibernatedSession() {
        String id = liveSession();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> "hibernated".equals(service.api().get("/v1/sessions/" + id).jsonPath().getString("state")));
        return id;
    }

    private Path image(String session) {
        return Path.of(service.stateDir(), "images", "sessions", session);
    }

    private boolean hasProcesses(String sandbox) {
        return !Api.read(Path.of("/sys/fs/cgroup/pids", service.cgroupParent(), sandbox, "cgroup.procs")).isBlank();
    }
}
