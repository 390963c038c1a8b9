package dev.codelab.sandbox.sandbox;

import java.io.IOException;

/**
 * A sandbox as the cells that run on it see it (runsc/PROTOCOL.md): protocol messages in, frames
 * out, and what the host itself knows of it: usage and limit evidence from its cgroup, what the
 * program was seen trying. A single run is a kernel with one cell; a session's kernel runs many.
 * {@link Sandbox} is the real one; the tests script fakes of it.
 */
public interface Kernel {

    String id();

    /** One message line to the supervisor (JSON, without its newline). */
    void send(byte[] message) throws IOException;

    /**
     * Asks for a KeyboardInterrupt in cell {@code cell} (the supervisor drops it if that cell is
     * over); false when the supervisor cannot be told.
     */
    default boolean interrupt(long cell) {
        try {
            send(("{\"type\":\"interrupt\",\"id\":" + cell + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    FrameReader frames();

    boolean isAlive();

    /** Kills every process of the kernel (SIGKILL); idempotent. */
    void kill();

    /** Waits up to {@code timeoutMs} for the kernel's processes to end, then kills what is left. */
    void awaitExit(long timeoutMs) throws InterruptedException;

    /** Starts the usage figures and the limit evidence from here: a cell's own. */
    void markUsage();

    /** CPU time and memory peak since the mark. */
    SandboxUsage usage();

    /** What the cgroup saw of the memory limit since the mark. */
    LimitEvidence limitEvidence();

    /** What the program was seen trying since this was last asked (null when not watched). */
    SecurityEvents takeSecurityEvents();
}
