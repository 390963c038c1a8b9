package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Starts sandboxes three ways: cold (`runsc run`), as a checkpoint image of a runner that has
 * imported its stack, and restored from such an image. Remembers the live ones, and tears each
 * down off the request's path.
 */
@ApplicationScoped
public class Sandboxes {

    private static final Logger LOG = Logger.getLogger(Sandboxes.class);
    /** What the runner prints on stderr once --preload is done (runsc/runner/codelab_supervisor.py). */
    private static final String READY_MARKER = "codelab-runner-ready";
    private static final long PREPARING_MEMORY_BYTES = 2048L * 1024 * 1024;

    private final SandboxConfig config;
    private final ObjectMapper json;
    private final Runsc runsc;
    private final CgroupHierarchy cgroups;
    private final Path bundles;
    private final String runnerDir;
    private final JsonNode seccompProfile;
    private final SandboxWatch watch;
    private final Map<String, Sandbox> live = new ConcurrentHashMap<>();
    private final Map<Path, ImageFingerprint> fingerprints = new ConcurrentHashMap<>();
    private final ExecutorService teardown = Executors.newSingleThreadExecutor(DaemonThreads.named("sandbox-teardown"));

    Sandboxes(SandboxConfig config, ObjectMapper json, CgroupHierarchy cgroups, SandboxWatch watch) {
        this.config = config;
        this.json = json;
        this.cgroups = cgroups;
        this.watch = watch;
        this.runsc = new Runsc(config, config.stateDir().toAbsolutePath().resolve("runsc"));
        this.bundles = config.stateDir().toAbsolutePath().resolve("bundles");
        this.runnerDir = config.runnerDir().toAbsolutePath().normalize().toString();
        try {
            this.seccompProfile = json.readTree(config.seccompProfile().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the seccomp profile " + config.seccompProfile(), e);
        }
    }

    /** A cold sandbox for one run, with the run's limits; hand it back to {@link #release}. */
    public Sandbox start(String executionId, SandboxImage image, SandboxLimits limits) throws IOException {
        Sandbox sandbox = create("codelab-" + executionId, limits, PREPARING_MEMORY_BYTES);
        return launch(sandbox, image, limits, runsc.run(sandbox.id(), sandbox.bundle(), watch(sandbox)), false, false);
    }

    /**
     * Starts the image's warm command (which imports the stack, then prints the ready marker),
     * checkpoints it into {@code imageDir}, and lets it end. The spec is shaped by {@code shape}
     * (tmpfs sizes, rlimits), which every sandbox restored from the image keeps.
     */
    public void checkpoint(SandboxImage warmImage, SandboxLimits shape, Path imageDir, long timeoutMs)
            throws IOException, InterruptedException {
        Sandbox golden = create("codelab-golden-" + UUID.randomUUID(), null, PREPARING_MEMORY_BYTES);
        try {
            launch(golden, warmImage, shape, runsc.run(golden.id(), golden.bundle(), List.of()), false, true);
            awaitReadyMarker(golden, timeoutMs);
            Sandbox.deleteTree(imageDir);
            Files.createDirectories(imageDir);
            String out = Sandbox.output(runsc.checkpoint(golden.id(), imageDir));
            if (golden.exitCode(10_000) != 0 || !Files.exists(imageDir.resolve("checkpoint.img"))) {
                throw new IOException("runsc checkpoint failed: " + out.strip());
            }
        } finally {
            release(golden);
        }
    }

    /**
     * A sandbox restored from a checkpoint image, warmed up and waiting for its request, with no
     * run limits yet (see {@link Sandbox#applyLimits}). Throws when the restore fails.
     */
    public Sandbox restore(SandboxImage warmImage, SandboxLimits shape, Path imageDir)
            throws IOException, InterruptedException {
        return restore(warmImage, shape, imageDir, PREPARING_MEMORY_BYTES);
    }

    /** As above, in a cgroup that holds at most {@code memoryBytes} while restoring and warming up. */
    private Sandbox restore(SandboxImage warmImage, SandboxLimits shape, Path imageDir, long memoryBytes)
            throws IOException, InterruptedException {
        Sandbox sandbox = create("codelab-warm-" + UUID.randomUUID(), null, memoryBytes);
        launch(sandbox, warmImage, shape, runsc.restore(sandbox.id(), sandbox.bundle(), imageDir, watch(sandbox)),
                true, false);
        boolean warmed;
        try {
            warmed = sandbox.warmUp(config.restoreTimeoutMs());
        } catch (InterruptedException e) {
            release(sandbox); // shutting down
            throw e;
        }
        if (!warmed) {
            String why = sandbox.diagnostics();
            release(sandbox);
            throw new IOException("runsc restore failed: " + why);
        }
        return sandbox;
    }

    /**
     * Checkpoints a live sandbox to {@code imageDir} (its processes, memory and tmpfs files) and
     * tears it down: it then holds disk only. Throws, with the sandbox killed, when that fails.
     */
    public Hibernated hibernate(Sandbox sandbox, Path imageDir) throws IOException, InterruptedException {
        try {
            Sandbox.deleteTree(imageDir);
            Files.createDirectories(imageDir);
            String out = Sandbox.output(runsc.checkpoint(sandbox.id(), imageDir));
            sandbox.awaitExit(10_000);
            if (!Files.exists(imageDir.resolve("checkpoint.img"))) {
                Sandbox.deleteTree(imageDir);
                throw new IOException("runsc checkpoint failed: " + out.strip());
            }
            return new Hibernated(sandbox.shape(), imageDir);
        } finally {
            sandbox.kill();
            release(sandbox);
        }
    }

    /**
     * A new sandbox restored from a hibernated one's image, with the session's own limits from its
     * first step (a restore of a session that held most of its memory needs all of it); the image
     * is deleted once the restore worked, and kept when it did not, for another try. It is watched
     * afresh, like every restored sandbox: no trace session survives a checkpoint.
     */
    public Sandbox resume(Hibernated hibernated, SandboxLimits limits) throws IOException, InterruptedException {
        Sandbox restored = restore(hibernated.shape().image(), hibernated.shape().limits(), hibernated.imageDir(),
                Cgroup.limitBytes(limits, config.sentryOverheadMb()));
        if (!restored.applyLimits(limits, config.sentryOverheadMb())) {
            release(restored);
            throw new IOException("the restored sandbox cannot take the session's limits");
        }
        Sandbox.deleteTree(hibernated.imageDir());
        return restored;
    }

    /** The bytes a checkpoint image takes on disk. */
    public long imageBytes(Path imageDir) {
        try (Stream<Path> files = Files.walk(imageDir)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Deletes a checkpoint image that will not be restored. */
    public void removeImage(Path imageDir) {
        Sandbox.deleteTree(imageDir);
    }

    /** Host memory a sandbox holds now (its cgroup's usage). */
    public long memoryUsage(Sandbox sandbox) {
        return sandbox.cgroup().memoryUsageBytes();
    }

    /** Tears a finished (or abandoned) sandbox down in the background. */
    public void release(Sandbox sandbox) {
        long queuedAt = System.nanoTime();
        teardown.execute(() -> {
            sandbox.destroy(queuedAt);
            watch.stop(sandbox.id());
            live.remove(sandbox.id());
        });
    }

    /**
     * This replica's fingerprint for images of {@code image}: runsc's version line, a digest of the
     * root filesystem's package database and release, a digest of the runner's files, the cgroup
     * hierarchy. Computed once per image.
     */
    public ImageFingerprint fingerprint(SandboxImage image) {
        return fingerprints.computeIfAbsent(image.rootfs(), rootfs -> {
            String version;
            try {
                version = Sandbox.output(List.of(config.runsc(), "--version")).lines().findFirst().orElse("?").strip();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                version = "?";
            }
            return new ImageFingerprint(version,
                    Digests.of(rootfs, List.of("var/lib/dpkg/status", "etc/os-release")),
                    Digests.ofTree(Path.of(runnerDir), ".py"), cgroups.version());
        });
    }

    public int sentryOverheadMb() {
        return config.sentryOverheadMb();
    }

    public Path imagesDir() {
        return config.stateDir().toAbsolutePath().resolve("images");
    }

    /** Removes what an earlier process of this service left: sandboxes, bundles, images, cgroups. */
    public void sweepLeftovers() {
        new LeftoverSweeper(runsc, List.of(runsc.stateRoot(), bundles, imagesDir()), cgroups).sweep();
    }

    public boolean runnerPresent() {
        return Files.isRegularFile(Path.of(runnerDir, "codelab_supervisor.py"));
    }

    /** Runs after the pool has handed back its waiting sandboxes (lower priorities run first). */
    void onShutdown(@Observes @Priority(100) ShutdownEvent event) {
        live.values().forEach(Sandbox::kill);
        live.values().forEach(sandbox -> teardown.execute(() -> sandbox.destroy(System.nanoTime())));
        teardown.shutdown();
        try {
            if (!teardown.awaitTermination(20, TimeUnit.SECONDS)) {
                LOG.warnf("%d sandboxes still being torn down at shutdown", live.size());
            }
            Sandbox.deleteTree(imagesDir());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A sandbox object with its cgroup made; {@code limits} null means prepared (at most
     * {@code preparingBytes} of memory, no CPU quota), limits come later.
     */
    private Sandbox create(String id, SandboxLimits limits, long preparingBytes) throws IOException {
        Cgroup cgroup = cgroups.sandbox(id);
        Sandbox sandbox = new Sandbox(id, bundles.resolve(id), cgroup, runsc, config.maxFrameBytes(), watch);
        live.put(id, sandbox);
        try {
            cgroup.create(limits, preparingBytes, config.sentryOverheadMb(), config.hostPidsLimit());
        } catch (IOException | RuntimeException e) {
            release(sandbox);
            throw e;
        }
        return sandbox;
    }

    private Sandbox launch(Sandbox sandbox, SandboxImage image, SandboxLimits shape, List<String> command,
                           boolean restore, boolean stderrPipe) throws IOException {
        Map<String, Object> spec = OciSpec.of(image, runnerDir, shape, sandbox.cgroup().specPath(),
                seccompProfile, config.openFiles());
        try {
            sandbox.launch(json.writeValueAsBytes(spec), command, restore, stderrPipe, new Hibernated.Shape(image, shape));
        } catch (IOException | RuntimeException e) {
            release(sandbox);
            throw e;
        }
        return sandbox;
    }

    /** The flags that let the watch hear from this sandbox (the golden one is not watched: no run is in it). */
    private List<String> watch(Sandbox sandbox) throws IOException {
        try {
            return watch.start(sandbox.id(), sandbox.bundle());
        } catch (IOException | RuntimeException e) {
            release(sandbox);
            throw e;
        }
    }

    /** Reads the golden sandbox's stderr to its end, completing when the ready marker passes. */
    private void awaitReadyMarker(Sandbox golden, long timeoutMs) throws IOException, InterruptedException {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader errors = new BufferedReader(new InputStreamReader(golden.errors(), StandardCharsets.UTF_8))) {
                for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                    if (line.equals(READY_MARKER)) {
                        ready.complete(true);
                    } else {
                        LOG.debugf("golden sandbox: %s", line);
                    }
                }
            } catch (IOException e) {
                LOG.debugf("golden sandbox stderr: %s", e.getMessage());
            }
            ready.complete(false);
        }, "golden-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!ready.get(timeoutMs, TimeUnit.MILLISECONDS)) {
                throw new IOException("the warm runner ended before it was ready");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the warm runner did not become ready in " + timeoutMs + " ms");
        }
    }
}
