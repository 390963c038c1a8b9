package dev.codelab.sandbox.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.ToStringConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.LogUtils;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The container image, for real: builds {@code codelab-sandbox:latest} with deploy/build-image.sh
 * (which starts a Docker engine if none answers), starts it with the documented privilege set, and
 * drives it over HTTP as production does: keys required, /q on the management port only. Not a
 * {@code @QuarkusTest}: the service under test is the one inside the container.
 *
 * <p>Set {@code -Dcodelab.image.build=false} to test an image that is already built.
 */
@Tag("image")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageTest {

    static final String IMAGE = System.getProperty("codelab.image", "codelab-sandbox:latest");
    /** Its own cgroup parent: the service sweeps every cgroup under its parent at start-up. */
    static final String CGROUP_PARENT = "codelab-image-test";
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final ObjectMapper JSON = new ObjectMapper();

    /** The smallest set that works (deploy/README.md): no --privileged, no host cgroup tree. */
    static final Capability[] CAPABILITIES = {Capability.SYS_ADMIN, Capability.SETUID, Capability.SETGID,
            Capability.SETFCAP};
    static final List<String> SECURITY_OPTS = List.of("seccomp=unconfined");
    static final int API_PORT = 8080;
    static final int MANAGEMENT_PORT = 9000;
    /** The image as production runs it: keys required, mounted where k8s/base mounts the Secret. */
    static final String KEY = "image-test-key-" + System.nanoTime();
    static final String KEYS_FILE = "/etc/codelab/keys/keys.json";

    static final ToStringConsumer LOGS = new ToStringConsumer();
    static GenericContainer<?> container;
    static RequestSpecification api;
    static RequestSpecification management;

    @BeforeAll
    static void buildAndStart() throws Exception {
        if (!"false".equals(System.getProperty("codelab.image.build"))) {
            buildImage();
        }
        container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                // The image is local: never ask a registry for it.
                .withImagePullPolicy(name -> false)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withCapDrop(Capability.ALL).withCapAdd(CAPABILITIES).withSecurityOpts(SECURITY_OPTS))
                .withEnv("CODELAB_SANDBOX_CGROUP_PARENT", CGROUP_PARENT)
                .withEnv("CODELAB_ADMISSION_KEYS_FILE", KEYS_FILE)
                .withCopyToContainer(Transferable.of("{\"keys\": [{\"tenant\": \"image-test\", \"sha256\": \""
                        + sha256(KEY) + "\"}]}"), KEYS_FILE)
                .withExposedPorts(API_PORT, MANAGEMENT_PORT)
                .withLogConsumer(LOGS)
                // Start-up includes the warm runner's checkpoint and a canary sandbox.
                .waitingFor(Wait.forHttp("/q/health/ready").forPort(MANAGEMENT_PORT).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        try {
            container.start();
        } catch (RuntimeException e) {
            throw new AssertionError("the container did not become ready; its log:\n" + tail(LOGS.toUtf8String(), 60), e);
        }
        api = new RequestSpecBuilder()
                .setBaseUri("http://" + container.getHost())
                .setPort(container.getMappedPort(API_PORT))
                .addHeader("Authorization", "Bearer " + KEY)
                .build();
        management = new RequestSpecBuilder()
                .setBaseUri("http://" + container.getHost())
                .setPort(container.getMappedPort(MANAGEMENT_PORT))
                .build();
    }

    @AfterAll
    static void stopAndCheckNothingIsLeft() throws Exception {
        if (container == null || container.getContainerId() == null) {
            return;
        }
        String id = container.getContainerId();
        List<Long> sandboxPids = runscProcessesOf(id);
        try {
            // A graceful stop first (SIGTERM through tini): the service tears its sandboxes down itself.
            container.getDockerClient().stopContainerCmd(id).withTimeout(30).exec();
        } finally {
            container.stop();
        }
        assertFalse(sandboxPids.isEmpty(), "the running container showed no runsc process (check is blind)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Long> alive = sandboxPids;
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            alive = alive.stream().filter(pid -> Files.exists(Path.of("/proc/" + pid))).toList();
        }
        assertEquals(List.of(), alive, "runsc processes of the container still alive on the host");
        assertEquals(List.of(), runscProcessesOf(id), "runsc processes in the container's cgroup remain");
        assertEquals(List.of(), leftoverCgroups(id), "cgroups of the container or its sandboxes remain on the host");
    }

    @Test
    @Order(1)
    void runsPython() {
        JsonPath result = run(Map.of("code", "print(\"hello\")"));
        assertEquals("ok", result.getString("status"));
        assertEquals("hello\n", result.getString("stdout"));
    }

    @Test
    @Order(2)
    void returnsAFigure() {
        JsonPath result = run(Map.of("code", "import matplotlib.pyplot as plt\nplt.plot([1,2]); plt.show()"));
        assertEquals("ok", result.getString("status"), result.prettify());
        assertEquals("image/png", result.getString("figures[0].mimeType"));
    }

    @Test
    @Order(3)
    void streamsNdjsonEndingInExactlyOneDone() throws IOException {
        String body = given(api).contentType(ContentType.JSON).accept("application/x-ndjson")
                .body(Map.of("code", "import time\nfor i in range(3):\n    print(i)\n    time.sleep(0.1)"))
                .when().post("/v1/executions")
                .then().statusCode(200).contentType(containsString("application/x-ndjson"))
                .extract().asString();
        List<JsonNode> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
        assertEquals("started", types.get(0), body);
        assertEquals("done", types.get(types.size() - 1), body);
        assertEquals(1, types.stream().filter("done"::equals).count(), body);
        assertTrue(types.contains("stdout"), body);
        assertTrue(body.contains("\"ok\""), body);
    }

    @Test
    @Order(4)
    void enforcesTheTimeLimit() {
        JsonPath result = run(Map.of("code", "while True: pass", "limits", Map.of("timeoutMs", 1000)));
        assertEquals("timeout", result.getString("status"), result.prettify());
    }

    @Test
    @Order(5)
    void exposesMetricsOnTheManagementPortOnly() {
        given(management).when().get("/q/metrics")
                .then().statusCode(200).body(containsString("codelab_executions_total"))
                .body(containsString("codelab_admission_memory_budget_bytes"));
        given(api).when().get("/q/metrics").then().statusCode(404);
        given(api).when().get("/q/health/ready").then().statusCode(404);
    }

    @Test
    @Order(6)
    void needsItsKey() {
        given().baseUri("http://" + container.getHost()).port(container.getMappedPort(API_PORT))
                .when().get("/v1/runtimes").then().statusCode(401);
    }

    @Test
    @Order(7)
    void refusesToStartWithoutKeysUnlessDeclaredOpen() {
        DockerClient docker = container.getDockerClient();
        String id = docker.createContainerCmd(IMAGE)
                .withEnv("CODELAB_SANDBOX_CGROUP_PARENT=" + CGROUP_PARENT + "-refused")
                .withHostConfig(HostConfig.newHostConfig().withCapDrop(Capability.ALL).withCapAdd(CAPABILITIES)
                        .withSecurityOpts(SECURITY_OPTS))
                .exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            int exitCode = docker.waitContainerCmd(id).start().awaitStatusCode(60, TimeUnit.SECONDS);
            String logs = LogUtils.getOutput(docker, id);
            assertEquals(1, exitCode, logs);
            assertTrue(logs.contains("refusing to start: no API keys file is configured"), logs);
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    private static JsonPath run(Map<String, Object> request) {
        return given(api).contentType(ContentType.JSON).body(request)
                .when().post("/v1/executions")
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath();
    }

    /** deploy/build-image.sh, output shown; any failure (no engine, build error) fails the test. */
    private static void buildImage() throws Exception {
        Path script = Path.of("deploy/build-image.sh").toAbsolutePath();
        Process build = new ProcessBuilder("bash", script.toString())
                .directory(script.getParent().getParent().toFile())
                .redirectErrorStream(true)
                .start();
        // Forwarded line by line (not inherited: the fork's own stdout belongs to surefire).
        try (BufferedReader output = build.inputReader()) {
            output.lines().forEach(line -> System.out.println("[build-image] " + line));
        }
        if (!build.waitFor(30, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            fail("deploy/build-image.sh did not finish within 30 minutes");
        }
        if (build.exitValue() != 0) {
            fail("deploy/build-image.sh failed (exit " + build.exitValue() + "): the image " + IMAGE
                    + " could not be built; see its output above");
        }
    }

    /** Host PIDs of runsc processes whose cgroup is the container's or one of its sandboxes'. */
    private static List<Long> runscProcessesOf(String containerId) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline"));
                    String cgroup = Files.readString(proc.resolve("cgroup"));
                    if (cmdline.startsWith("runsc") && (cgroup.contains(containerId) || cgroup.contains("/" + CGROUP_PARENT + "/"))) {
                        pids.add(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return pids;
    }

    /** Cgroup directories left of the container or of sandboxes under our parent, in any hierarchy. */
    private static List<Path> leftoverCgroups(String containerId) throws IOException {
        List<Path> left = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path hierarchy : hierarchies.toList()) {
                try (Stream<Path> dirs = Files.walk(hierarchy, 3)) {
                    dirs.filter(Files::isDirectory)
                            .filter(d -> d.getFileName().toString().equals(containerId)
                                    || (d.getParent() != null && d.getParent().getFileName().toString().equals(CGROUP_PARENT)))
                            .forEach(left::add);
                } catch (IOException | RuntimeException unreadable) {
                    // a hierarchy that cannot be walked holds nothing of ours
                }
            }
        }
        return left;
    }

    private static String sha256(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
