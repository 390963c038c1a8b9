package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.PackagedService;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A notebook's session outlives its replica (issue 20): two packaged services on this machine share
 * one sessions directory (own ports, state dirs and cgroup parents), as pods share a ReadWriteMany
 * volume. A replica that stops hands its sessions over; one that is killed loses only the live ones
 * (ended, with the reason); two replicas racing for one session never both restore it; a replica on
 * another root filesystem says it cannot restore a session rather than failing obscurely.
 */
@Tag("sandbox")
class HandoverTest {

    private static final Path SHARED = Path.of("/run/codelab-sessions-handover");
    private final List<PackagedService> services = new ArrayList<>();
    private Path otherRootfs;

    @AfterEach
    void stopAll() throws Exception {
        for (PackagedService service : services) {
            service.close();
        }
        if (otherRootfs != null) {
            Api.command("rm", "-rf", otherRootfs.toString());
        }
        Api.command("rm", "-rf", SHARED.toString());
    }

    private PackagedService replica(String name, int port, Map<String, String> more) throws IOException {
        Map<String, String> settings = new HashMap<>(Map.of("codelab.admission.open", "true", "codelab.pool.size", "1",
                "codelab.pool.ml-size", "0", "codelab.session.shared-dir", SHARED.toString(), "codelab.session.pod", name,
                "codelab.session.hibernate-after", "2s", "codelab.session.tend-every", "1s",
                "codelab.session.pod-lost-after", "4s"));
        settings.putAll(more);
        PackagedService service = new PackagedService("handover-" + name, port, List.of(), settings);
        services.add(service);
        return service.start();
    }

    @Test
    void aStoppedReplicaHandsItsSessionsToAnotherWithTheirState() throws Exception {
        PackagedService a = replica("a", 18_330, Map.of("codelab.session.hibernate-after", "10m"));
        PackagedService b = replica("b", 18_332, Map.of());
        String id = open(a);
        Response filled = cell(a, id, "import pandas as pd\nframe = pd.DataFrame({'v': range(1000)})\n"
                + "open('kept.txt', 'w').write('file')");
        assertEquals("ok", filled.jsonPath().getString("status"), filled.asString());
        assertEquals("a", filled.jsonPath().getString("session.pod"));

        assertTrue(a.stop(Duration.ofSeconds(120)), "A stopped (SIGTERM), saving its live session");
        assertTrue(a.log().contains("1 of 1 live sessions saved"), "the drain is logged");

        Response resumed = cell(b, id, "print(frame.v.sum(), open('kept.txt').read())");
        assertEquals(200, resumed.statusCode(), resumed.asString());
        assertEquals("499500 file\n", resumed.jsonPath().getString("stdout"), resumed.asString());
        assertEquals("b", resumed.jsonPath().getString("session.pod"), "the answer says which replica holds it now");
        assertEquals("restored", resumed.jsonPath().getString("usage.sandboxStart"));
    }

    @Test
    void aKilledReplicasLiveSessionEndsWithItsReasonAndLeavesNothing() throws Exception {
        PackagedService a = replica("a", 18_334, Map.of("codelab.session.hibernate-after", "10m"));
        PackagedService b = replica("b", 18_336, Map.of());
        String id = open(a);
        cell(a, id, "x = 1").then().statusCode(200);
        assertTrue(a.kill(), "A killed (SIGKILL): nothing of the session was saved");

        await().atMost(Duration.ofSeconds(60)).until(() -> cell(b, id, "print(x)").statusCode() == 404);
        Response gone = b.api().get("/v1/sessions/" + id);
        assertEquals("pod_lost", gone.jsonPath().getString("endReason"), gone.asString());
        assertEquals(List.of(SHARED.resolve("ended").resolve(id + ".json").toString()), filesOf(id),
                "nothing of the session is left in the sessions directory but the hour-long record of why it ended");

        a.start(); // its start sweeps what the killed process left on this machine
        await().atMost(Duration.ofSeconds(60)).until(() -> a.sandboxCgroups().size() <= 1); // its pool's
    }

    @Test
    void twoReplicasRacingForOneHibernatedSessionRestoreItOnce() throws Exception {
        PackagedService a = replica("a", 18_338, Map.of());
        PackagedService b = replica("b", 18_340, Map.of());
        String id = open(a);
        cell(a, id, "x = 41").then().statusCode(200);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "hibernated".equals(a.api().get("/v1/sessions/" + id).jsonPath().getString("state")));

        List<Response> racing = Api.concurrently(2, i -> cell(i == 0 ? a : b, id, "x += 1\nprint(x)"));
        List<Integer> codes = racing.stream().map(Response::statusCode).sorted().toList();
        assertEquals(List.of(200, 409), codes, racing.get(0).asString() + " / " + racing.get(1).asString());
        Response won = racing.stream().filter(response -> response.statusCode() == 200).findFirst().orElseThrow();
        assertEquals("42\n", won.jsonPath().getString("stdout"), "restored once: the cell ran once");
    }

    @Test
    void aReplicaOnAnotherRootFilesystemSaysItCannotRestoreTheSession() throws Exception {
        otherRootfs = anotherRootfs();
        PackagedService a = replica("a", 18_342, Map.of());
        PackagedService c = replica("c", 18_344, Map.of("codelab.runtime.python.rootfs", otherRootfs.toString()));
        String id = open(a);
        cell(a, id, "x = 1").then().statusCode(200);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "hibernated".equals(a.api().get("/v1/sessions/" + id).jsonPath().getString("state")));

        Response refused = cell(c, id, "print(x)");
        assertEquals(410, refused.statusCode(), refused.asString());
        assertEquals("application/problem+json", refused.contentType().split(";")[0]);
        assertEquals("incompatible_image", refused.jsonPath().getString("endReason"));
        assertTrue(refused.jsonPath().getString("detail").contains("root filesystem"), refused.asString());
        assertEquals(404, a.api().get("/v1/sessions/" + id).statusCode(), "it ended for every replica");
    }

    @Test
    void aKeysSessionsCountOnEveryReplicaAndWhileHibernated() throws Exception {
        PackagedService a = replica("a", 18_346, Map.of("codelab.session.max-per-key", "2"));
        PackagedService b = replica("b", 18_348, Map.of("codelab.session.max-per-key", "2"));
        String first = open(a);
        open(a);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "hibernated".equals(a.api().get("/v1/sessions/" + first).jsonPath().getString("state")));

        Response third = b.api().body(Map.of()).post("/v1/sessions");
        assertEquals(429, third.statusCode(), "two sessions, hibernated or live on another replica, are the key's two: "
                + third.asString());
        assertEquals(204, b.api().delete("/v1/sessions/" + first).statusCode());
        open(b);
    }

    private static String open(PackagedService service) {
        Response created = service.api().body(Map.of()).post("/v1/sessions");
        assertEquals(201, created.statusCode(), created.asString());
        return created.jsonPath().getString("id");
    }

    private static Response cell(PackagedService service, String id, String code) {
        return service.api().body(Map.of("code", code)).post("/v1/sessions/" + id + "/executions");
    }

    private static List<String> filesOf(String id) throws IOException {
        try (Stream<Path> paths = Files.walk(SHARED)) {
            return paths.map(Path::toString).filter(path -> path.contains(id)).toList();
        }
    }

    /** The image's root filesystem as hard links, but for a package database that says otherwise. */
    private static Path anotherRootfs() throws IOException {
        Path rootfs = Path.of(System.getenv("CODELAB_PYTHON_ROOTFS"));
        Path other = Path.of("/var/tmp/codelab-rootfs-handover");
        Api.command("rm", "-rf", other.toString());
        Api.command("cp", "-al", rootfs.toString(), other.toString());
        Path status = other.resolve("var/lib/dpkg/status");
        String packages = Files.readString(status);
        Files.delete(status); // a file of its own, not a link to the image's
        Files.writeString(status, packages + "\nPackage: codelab-handover-test\nStatus: install ok installed\nVersion: 1\n");
        return other;
    }
}
