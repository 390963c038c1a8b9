package dev.codelab.sandbox;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: real HTTP against the running service and real runsc sandboxes. */
public final class Api {

    private Api() {
    }

    /** /q (health, metrics, OpenAPI) is served on the management port only, as in production. */
    public static RequestSpecification management() {
        return given().port(ConfigProvider.getConfig()
                .getOptionalValue("quarkus.management.test-port", Integer.class).orElse(9001));
    }

    /** Waits for the start-up canary, so tests never race the readiness probe. */
    public static void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (management().get("/q/health/ready").statusCode() == 200) {
                return;
            }
            sleep(200);
        }
        fail("the service did not become ready: " + management().get("/q/health/ready").asString());
    }

    public static Map<String, Object> request(String code, Object... fields) {
        Map<String, Object> body = new HashMap<>();
        body.put("code", code);
        for (int i = 0; i < fields.length; i += 2) {
            body.put((String) fields[i], fields[i + 1]);
        }
        return body;
    }

    /** Runs code in JSON mode and returns the 200 response. */
    public static JsonPath run(String code, Object... fields) {
        return given().contentType(ContentType.JSON).body(request(code, fields))
                .when().post("/v1/executions")
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath();
    }

    public static Map<String, Object> limits(Object... pairs) {
        Map<String, Object> limits = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            limits.put((String) pairs[i], pairs[i + 1]);
        }
        return limits;
    }

    /**
     * Sandboxes of this test run that hold a run's limits and still have processes: every
     * execution's, but not the restored ones waiting in the pool (no CPU quota until claimed).
     * Zero only when the sandboxes' parent cgroup holds none, or was never made.
     */
    public static long busySandboxes() {
        Path parent = sandboxCgroups();
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        try (Stream<Path> cgroups = Files.list(parent)) {
            return cgroups.filter(Files::isDirectory).filter(Api::hasQuota)
                    .filter(cgroup -> !read(cgroup.resolve("cgroup.procs")).isBlank())
                    .count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + parent, e);
        }
    }

    /**
     * Where this test run's sandbox cgroups live: on cgroup v1 under the cpu controller; on v2 in
     * the service's delegated subtree (its own cgroup, or the parent of the leaf it runs in).
     */
    static Path sandboxCgroups() {
        Path root = Path.of("/sys/fs/cgroup");
        if (!Files.exists(root.resolve("cgroup.controllers"))) {
            return root.resolve("cpu/codelab-test");
        }
        String own = read(Path.of("/proc/self/cgroup")).lines().filter(line -> line.startsWith("0::"))
                .map(line -> line.substring(3).strip()).findFirst().orElseThrow();
        Path mine = root.resolve(own.substring(1));
        Path delegated = mine.getFileName() != null && mine.getFileName().toString().equals("service") ? mine.getParent() : mine;
        return delegated.resolve("codelab-test");
    }

    private static boolean hasQuota(Path cgroup) {
        return Files.exists(cgroup.resolve("cpu.max"))
                ? !read(cgroup.resolve("cpu.max")).startsWith("max")
                : !read(cgroup.resolve("cpu.cfs_quota_us")).strip().equals("-1");
    }

    /** A series' value on /q/metrics (e.g. {@code codelab_executions_total{language="python",status="ok"}}); 0 when absent. */
    public static double metric(String series) {
        return management().get("/q/metrics").asString().lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).strip()))
                .findFirst().orElse(0);
    }

    /**
     * Runs {@code n} tasks at once, each on a thread of its own (never the common pool, whose size
     * depends on the machine's cores), and returns their results in order.
     */
    public static <T> List<T> concurrently(int n, java.util.function.IntFunction<T> task) {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(threads.submit(() -> task.apply(index)));
            }
            List<T> results = new ArrayList<>();
            for (java.util.concurrent.Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            threads.shutdownNow();
        }
    }

    /** Waits up to the given time for every execution's sandbox of this test run to be gone. */
    public static void assertNoSandboxLeft(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (busySandboxes() > 0 && System.nanoTime() < deadline) {
            sleep(100);
        }
        assertEquals(0, busySandboxes(), "sandboxes still running");
        // The verdict is the last look, not a look after it: the pool may start restoring a sandbox
        // in between (its cgroup is made before runsc lists it as running), which is no leftover.
        List<String> left = leftovers();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            sleep(100);
            left = leftovers();
        }
        assertEquals(List.of(), left, "stopped containers or cgroups without a running sandbox");
    }

    /**
     * What a finished sandbox must not leave: a stopped runsc container, or a cgroup (in any
     * hierarchy) that belongs to no running container.
     */
    public static List<String> leftovers() {
        List<String> found = new ArrayList<>();
        Set<String> running = new HashSet<>();
        for (String line : command("runsc", "--root=/run/codelab-sandbox-test/runsc", "list").lines().skip(1).toList()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length > 2 && columns[2].equals("running")) {
                running.add(columns[0]);
            } else if (columns.length > 2) {
                found.add("container " + columns[0] + " " + columns[2]);
            }
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path parent : hierarchies.map(h -> h.resolve("codelab-test")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory)
                            .filter(child -> !running.contains(child.getFileName().toString()))
                            .forEach(child -> found.add("cgroup " + child));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** A command's output (stdout and stderr), once it has exited. */
    public static String command(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The cgroup (cpu hierarchy) of a running execution's sandbox with this CPU quota, once there is one. */
    public static Path awaitSandboxWithQuota(long quotaUs, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> cgroups = Files.list(Path.of("/sys/fs/cgroup/cpu/codelab-test"))) {
                Optional<Path> busy = cgroups.filter(Files::isDirectory)
                        .filter(cgroup -> read(cgroup.resolve("cpu.cfs_quota_us")).strip().equals(Long.toString(quotaUs)))
                        .filter(cgroup -> !read(cgroup.resolve("cgroup.procs")).isBlank())
                        .findFirst();
                if (busy.isPresent()) {
                    return busy.get();
                }
            } catch (IOException e) {
                // not there yet
            }
            sleep(50);
        }
        throw new AssertionError("no sandbox with a quota of " + quotaUs + " us ran within " + within);
    }

    /** The bytes a text takes inside a JSON string of an answer (UTF-8, escapes included): what outputBytes counts. */
    public static long answerBytes(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(text)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8).length - 2;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            return "";
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
