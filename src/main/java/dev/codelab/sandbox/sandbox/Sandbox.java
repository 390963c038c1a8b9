package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One gVisor sandbox: a `runsc run` (cold) or `runsc restore` (from a checkpoint) child process
 * whose stdin takes the service's messages and whose stdout carries the supervisor's frames
 * (runsc/PROTOCOL.md), inside a cgroup and bundle of its own. The kernel of one execution or of one
 * session, then destroyed.
 */
public final class Sandbox implements Kernel {

    private static final Logger LOG = Logger.getLogger(Sandbox.class);
    private static final int DIAGNOSTIC_BYTES = 2048;
    private static final long EXIT_GRACE_MS = 1000;
    private static final byte[] WARM_UP = "{\"type\":\"warmup\"}".getBytes(StandardCharsets.UTF_8);

    private final String id;
    private final Path bundle;
    private final Cgroup cgroup;
    private final Runsc runsc;
    private final int maxFrameBytes;
    private final SandboxWatch watch;
    private final AtomicBoolean killed = new AtomicBoolean();
    private Process process;
    private FrameReader frames;
    private boolean restored;
    private Hibernated.Shape shape;

    Sandbox(String id, Path bundle, Cgroup cgroup, Runsc runsc, int maxFrameBytes, SandboxWatch watch) {
        this.id = id;
        this.bundle = bundle;
        this.cgroup = cgroup;
        this.runsc = runsc;
        this.maxFrameBytes = maxFrameBytes;
        this.watch = watch;
    }

    @Override
    public String id() {
        return id;
    }

    Path bundle() {
        return bundle;
    }

    Cgroup cgroup() {
        return cgroup;
    }

    /** The image and spec shape it started from: what a restore of its checkpoint needs. */
    Hibernated.Shape shape() {
        return shape;
    }

    /** Writes the bundle and starts the runsc command; stderr goes to a log file or, if asked, a pipe. */
    void launch(byte[] specJson, List<String> command, boolean restore, boolean stderrPipe, Hibernated.Shape shape)
            throws IOException {
        this.restored = restore;
        this.shape = shape;
        Files.createDirectories(bundle);
        Files.write(bundle.resolve("config.json"), specJson);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (!stderrPipe) {
            builder.redirectError(bundle.resolve("runsc.log").toFile());
        }
        process = builder.start();
        frames = new FrameReader(process.getInputStream(), maxFrameBytes);
    }

    /** One line at a time: a cell's message and an interrupt from the timer never interleave. */
    @Override
    public void send(byte[] message) throws IOException {
        OutputStream stdin = process.getOutputStream();
        synchronized (stdin) {
            stdin.write(message);
            stdin.write('\n');
            stdin.flush();
        }
    }

    @Override
    public FrameReader frames() {
        return frames;
    }

    InputStream errors() {
        return process.getErrorStream();
    }

    @Override
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Asks a restored runner to fault its heap in, and waits for it to say so: that answer is
     * also the proof that the restore worked. False if the sandbox ended or did not answer in time.
     */
    boolean warmUp(long timeoutMs) throws InterruptedException {
        CompletableFuture<Boolean> warmed = CompletableFuture.supplyAsync(() -> {
            try {
                send(WARM_UP);
                FrameReader.Header header = frames.next();
                return header != null && header.type() == FrameReader.Type.WARMED && header.cell() == 0
                        && header.length() == 0;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            return warmed.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            kill();
            return false;
        }
    }

    /** Puts a run's limits on a prepared sandbox; false if it cannot honour them. */
    public boolean applyLimits(SandboxLimits limits, int overheadMb) {
        try {
            cgroup.apply(limits, overheadMb);
            return true;
        } catch (IOException e) {
            LOG.debugf("sandbox %s cannot take limits %s: %s", id, limits, e.getMessage());
            return false;
        }
    }

    /**
     * Kills every process of the sandbox (SIGKILL, so a program cannot ignore it): through its
     * cgroup where the kernel can (cgroup v2), else through runsc. Idempotent.
     */
    @Override
    public void kill() {
        if (process == null || !process.isAlive() || !killed.compareAndSet(false, true)) {
            return;
        }
        if (!cgroup.kill() && !runQuietly(runsc.kill(id), 5)) {
            LOG.infof("sandbox %s: runsc kill did not succeed within 5 s; ending runsc", id);
            process.destroyForcibly();
        }
    }

    @Override
    public void awaitExit(long timeoutMs) throws InterruptedException {
        exitCode(timeoutMs);
    }

    /** Waits for runsc to return; its exit code is the runner's, or 128+signal (-1: still running). */
    int exitCode(long timeoutMs) throws InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            kill();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void markUsage() {
        cgroup.mark();
    }

    @Override
    public SandboxUsage usage() {
        return cgroup.usage();
    }

    @Override
    public LimitEvidence limitEvidence() {
        return cgroup.limitEvidence();
    }

    /**
     * What the program was seen trying since this was last asked (null when not watched): a run's
     * events, or a session cell's (with anything its program did between the cells). Complete once
     * the supervisor has reported the run's end: gVisor writes each event before the call it
     * describes returns.
     */
    @Override
    public SecurityEvents takeSecurityEvents() {
        return watch.take(id);
    }

    /** What runsc itself said, for the service's log; never shown to users. */
    public String diagnostics() {
        try (InputStream log = Files.newInputStream(bundle.resolve("runsc.log"))) {
            return new String(log.readNBytes(DIAGNOSTIC_BYTES), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Ends the sandbox and removes its runsc state, cgroup and bundle. A runner that sent its exit
     * frame is already on its way out: give it a moment before paying for a `runsc kill`.
     * {@code queuedAt} (System.nanoTime) is when teardown was asked for, for the debug line.
     */
    void destroy(long queuedAt) {
        long start = System.nanoTime();
        long exited = start;
        long deleted = start;
        try {
            if (process != null && !process.waitFor(EXIT_GRACE_MS, TimeUnit.MILLISECONDS)) {
                kill();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    LOG.infof("sandbox %s: runsc did not return within 5 s of the kill; ending it", id);
                    process.destroyForcibly();
                }
            }
            exited = System.nanoTime();
            boolean alive = process != null && process.isAlive();
            // `runsc run` deletes its container when it returns; `runsc restore` leaves it stopped. Once
            // its cgroup is gone (no sentry or gofer left), its state files are all there is to delete:
            // cheaper than a `runsc delete`, which also waits for the orphaned sentry to be reaped.
            if (alive || !cgroup.remove() || (restored && !forgetStopped())) {
                runQuietly(runsc.delete(id), 30);
                cgroup.remove();
            } else if (!restored) {
                forgetStopped(); // a `runsc run` we had to end before it deleted its container left it stopped
            }
            deleted = System.nanoTime();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(bundle);
        LOG.debugf("sandbox %s torn down: queued %d ms, exit %d ms, cgroup and runsc state %d ms, bundle %d ms",
                id, millis(queuedAt, start), millis(start, exited), millis(exited, deleted), millis(deleted, System.nanoTime()));
    }

    /** Removes a stopped container's runsc state; false when runsc keeps it otherwise than known. */
    private boolean forgetStopped() {
        try {
            List<Path> files = runsc.stateFiles(id);
            if (!Files.exists(files.get(0))) {
                return false;
            }
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    /** True when the command runs and exits 0 within ten seconds. */
    public static boolean commandWorks(List<String> command) {
        return runQuietly(command, 10);
    }

    static boolean runQuietly(List<String> command, int timeoutSeconds) {
        try {
            Process helper = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!helper.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                helper.destroyForcibly();
                return false;
            }
            return helper.exitValue() == 0;
        } catch (IOException e) {
            LOG.debugf("%s failed: %s", command, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String output(List<String> command) throws InterruptedException {
        try {
            Process helper = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(helper.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            helper.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("could not remove %s: %s", root, e.getMessage());
        }
    }
}
