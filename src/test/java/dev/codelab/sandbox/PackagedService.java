package dev.codelab.sandbox;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged service (`make test` builds it first), started as a process of its own with its own
 * ports, state dir and cgroup parent, so that stopping, killing or starving it touches no other
 * test. {@code jvmOptions} are the JVM's flags, e.g. the container image's ({@code @deploy/jvm.options}).
 */
public final class PackagedService implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    /** The JVM flags the container image runs the service with (a java @argfile). */
    public static final String CONTAINER_JVM = "@deploy/jvm.options";

    private final String name;
    private final int port;
    private final int managementPort;
    private final List<String> command = new ArrayList<>();
    private final Path log;
    private Process process;

    /** A service named {@code name} (its state dir /run/codelab-sandbox-{name}, cgroup parent codelab-{name}). */
    public PackagedService(String name, int port, List<String> jvmOptions, Map<String, String> settings) {
        this.name = name;
        this.port = port;
        this.managementPort = port + 1;
        this.log = Path.of("target/service-" + name + ".log");
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.port=" + managementPort);
        command.add("-Dcodelab.sandbox.state-dir=" + stateDir());
        command.add("-Dcodelab.sandbox.cgroup-parent=" + cgroupParent());
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toString());
    }

    public String stateDir() {
        return "/run/codelab-sandbox-" + name;
    }

    public String cgroupParent() {
        return "codelab-" + name;
    }

    /** Starts it and waits until it is ready. */
    public PackagedService start() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "the packaged service is missing: `make test` builds it (make build)");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (ready()) {
                return this;
            }
            Api.sleep(500);
        }
        fail("the service " + name + " did not become ready; see " + log);
        return this;
    }

    public boolean ready() {
        try {
            return management().get("/q/health/ready").statusCode() == 200;
        } catch (Exception e) { // RestAssured throws the ConnectException unchecked
            return false; // not listening yet
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public Process process() {
        return process;
    }

    public int port() {
        return port;
    }

    public RequestSpecification api() {
        return given().port(port).contentType(ContentType.JSON);
    }

    public RequestSpecification management() {
        return given().port(managementPort);
    }

    /** A series' value on its /q/metrics; 0 when absent. */
    public double metric(String series) {
        return management().get("/q/metrics").asString().lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).strip()))
                .findFirst().orElse(0);
    }

    public String log() {
        return Api.read(log);
    }

    /** Every sandbox cgroup under its parent, in any hierarchy (the parent itself may stay). */
    public List<String> sandboxCgroups() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path parent : hierarchies.map(h -> h.resolve(cgroupParent())).filter(Files::isDirectory).toList()) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory).map(child -> child.getFileName().toString())
                            .filter(child -> !names.contains(child)).forEach(names::add);
                }
            }
        }
        return names;
    }

    public List<String> runscContainers() {
        return Api.command("runsc", "--root=" + stateDir() + "/runsc", "list", "-quiet").lines()
                .map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** SIGTERM, and the wait for it to end. */
    public boolean stop(Duration within) throws InterruptedException {
        process.destroy();
        return process.waitFor(within.toSeconds(), TimeUnit.SECONDS);
    }

    /** SIGKILL: no shutdown path runs. */
    public boolean kill() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
