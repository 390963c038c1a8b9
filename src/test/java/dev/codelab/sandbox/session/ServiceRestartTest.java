package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A restart of the service, stopped or crashed, leaves no session's sandbox, cgroup or hibernated
 * image behind. The service under test is the packaged one (`make test` builds it first), started
 * as a process of its own with its own ports, state and cgroups, so that killing it touches no
 * other test.
 */
class ServiceRestartTest {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final String STATE_DIR = "/run/codelab-sandbox-restart";
    private static final String CGROUP_PARENT = "codelab-restart";
    private static final int PORT = 18_290;
    private static final int MANAGEMENT_PORT = 18_291;

    private Process service;

    @AfterEach
    void stopService() throws InterruptedException {
        if (service != null && service.isAlive()) {
            service.destroy();
            service.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStoppedServiceEndsItsSessionsAndDeletesTheirImages() throws Exception {
        start();
        String sleeping = hibernatedSession();
        String live = liveSession();
        assertTrue(Files.isDirectory(image(sleeping)), "the hibernated session's image is on disk");

        service.destroy(); // SIGTERM: the shutdown path
        assertTrue(service.waitFor(90, TimeUnit.SECONDS), "the service stopped");

        assertEquals(List.of(), sandboxCgroups(), "no sandbox's cgroup is left, so none of its processes");
        assertEquals(List.of(), runscContainers(), "runsc knows no container");
        assertFalse(Files.exists(image(sleeping)), "the hibernated image is deleted");
        assertFalse(Files.exists(image(live)));
    }

    @Test
    void theStartAfterACrashRemovesWhatTheCrashedServiceLeft() throws Exception {
        start();
        String sleeping = hibernatedSession();
        liveSession();
        List<String> before = sandboxCgroups();
        service.destroyForcibly(); // SIGKILL: no shutdown path runs, the sandboxes outlive the JVM
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertTrue(before.stream().anyMatch(ServiceRestartTest::hasProcesses), "the crash left running sandboxes");
        assertTrue(Files.isDirectory(image(sleeping)), "and a hibernated image");

        start();
        List<String> after = sandboxCgroups();
        assertEquals(List.of(), after.stream().filter(before::contains).toList(), "the crashed service's sandboxes are gone");
        assertTrue(runscContainers().stream().noneMatch(before::contains), "runsc knows none of them");
        assertFalse(Files.exists(image(sleeping)), "the hibernated image is deleted");
        assertEquals(404, api().get("/v1/sessions/" + sleeping).statusCode(), "sessions do not outlive their service");
    }

    private void start() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "the packaged service is missing: `make test` builds it (make build)");
        Path log = Path.of("target/service-restart.log");
        service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + PORT, "-Dquarkus.management.port=" + MANAGEMENT_PORT,
                "-Dcodelab.admission.open=true", "-Dcodelab.sandbox.state-dir=" + STATE_DIR,
                "-Dcodelab.sandbox.cgroup-parent=" + CGROUP_PARENT, "-Dcodelab.pool.size=1",
                "-Dcodelab.session.hibernate-after=2s", "-Dcodelab.session.tend-every=1s",
                "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && service.isAlive()) {
            if (ready()) {
                return;
            }
            Api.sleep(500);
        }
        fail("the service did not become ready; see " + log);
    }

    private static boolean ready() {
        try {
            return given().port(MANAGEMENT_PORT).get("/q/health/ready").statusCode() == 200;
        } catch (Exception e) { // RestAssured throws the ConnectException unchecked
            return false; // not listening yet
        }
    }

    private static RequestSpecification api() {
        return given().port(PORT).contentType(ContentType.JSON);
    }

    private static String liveSession() {
        String id = api().body(Map.of()).post("/v1/sessions").then().statusCode(201).extract().jsonPath().getString("id");
        api().body(Map.of("code", "x = 1")).post("/v1/sessions/" + id + "/executions").then().statusCode(200);
        return id;
    }

    private static String hibernatedSession() {
        String id = liveSession();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"hibernated".equals(api().get("/v1/sessions/" + id).jsonPath().getString("state"))) {
            if (System.nanoTime() > deadline) {
                fail("the session did not hibernate");
            }
            Api.sleep(250);
        }
        return id;
    }

    private static Path image(String session) {
        return Path.of(STATE_DIR, "images", "sessions", session);
    }

    /** Every sandbox cgroup under the service's parent, in any hierarchy (the parent itself may stay). */
    private static List<String> sandboxCgroups() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path parent : hierarchies.map(h -> h.resolve(CGROUP_PARENT)).filter(Files::isDirectory).toList()) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory).map(child -> child.getFileName().toString())
                            .filter(name -> !names.contains(name)).forEach(names::add);
                }
            }
        }
        return names;
    }

    private static boolean hasProcesses(String sandbox) {
        return !Api.read(Path.of("/sys/fs/cgroup/pids", CGROUP_PARENT, sandbox, "cgroup.procs")).isBlank();
    }

    private static List<String> runscContainers() {
        return Api.command("runsc", "--root=" + STATE_DIR + "/runsc", "list", "-quiet").lines()
                .map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
}
