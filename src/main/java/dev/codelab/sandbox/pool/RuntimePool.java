package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** One warm profile's checkpoint image and the sandboxes restored from it that wait for a run. */
final class RuntimePool {

    /** How long a language whose image could not be made waits before trying again. */
    private static final Duration IMAGE_RETRY = Duration.ofSeconds(30);

    private record Waiting(Sandbox sandbox, long memoryBytes) {
    }

    private final String name;
    private final WarmProfile profile;
    private final Path imageDir;
    private final int size;
    private final Deque<Waiting> waiting = new ArrayDeque<>();
    private volatile boolean imageReady;
    private volatile String problem;
    private int restoreFailures;
    private long nextImageAttemptNanos;
    private long typicalMemory = 128L * 1024 * 1024;

    /** {@code name}: "python/ml", as the log shows it. */
    RuntimePool(String name, WarmProfile profile, Path imageDir, int size) {
        this.name = name;
        this.profile = profile;
        this.imageDir = imageDir;
        this.size = size;
    }

    WarmProfile profile() {
        return profile;
    }

    String name() {
        return name;
    }

    /** How many of its sandboxes wait, when the memory budget allows. */
    int targetSize() {
        return size;
    }

    Path imageDir() {
        return imageDir;
    }

    boolean imageReady() {
        return imageReady;
    }

    String problem() {
        return problem;
    }

    void imageMade() {
        imageReady = true;
        problem = null;
        synchronized (this) {
            restoreFailures = 0;
        }
    }

    /** Making the image failed: runs start cold, and the filler tries again after a while. */
    synchronized void imageFailed(String why) {
        imageReady = false;
        problem = "checkpoint failed: " + why;
        nextImageAttemptNanos = System.nanoTime() + IMAGE_RETRY.toNanos();
    }

    /** Restores from the image keep failing: runs start cold, and the filler makes a new image now. */
    synchronized void restoresFailing() {
        imageReady = false;
        problem = "restores from the checkpoint image failed";
        restoreFailures = 0;
        nextImageAttemptNanos = System.nanoTime();
    }

    synchronized boolean dueForNewImage() {
        return !imageReady && System.nanoTime() >= nextImageAttemptNanos;
    }

    synchronized void restoreSucceeded() {
        restoreFailures = 0;
    }

    synchronized int restoreFailed() {
        return ++restoreFailures;
    }

    /**
     * Oldest first: each waits as briefly as it can. Null when none waits, or the next holds more
     * than {@code maxBytes}: a limit below what a sandbox holds cannot be put on it, and taking it
     * would only waste it.
     */
    synchronized Sandbox take(long maxBytes) {
        Waiting next = waiting.peekFirst();
        if (next == null || next.memoryBytes() > maxBytes) {
            return null;
        }
        return waiting.pollFirst().sandbox();
    }

    synchronized void offer(Sandbox sandbox, long memoryBytes) {
        waiting.addLast(new Waiting(sandbox, memoryBytes));
        typicalMemory = memoryBytes;
    }

    /** What a sandbox restored on demand held: the pool of a profile sized 0 learns its size too. */
    synchronized void measured(long memoryBytes) {
        typicalMemory = memoryBytes;
    }

    synchronized int size() {
        return waiting.size();
    }

    synchronized long heldMemory() {
        return waiting.stream().mapToLong(Waiting::memoryBytes).sum();
    }

    synchronized Long meanMemory() {
        return waiting.isEmpty() ? null : heldMemory() / waiting.size();
    }

    synchronized long typicalMemory() {
        return typicalMemory;
    }
}
