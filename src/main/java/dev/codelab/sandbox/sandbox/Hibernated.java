package dev.codelab.sandbox.sandbox;

import java.nio.file.Path;

/** A sandbox checkpointed to disk and torn down: its image, and what restoring it needs. */
public record Hibernated(Shape shape, Path imageDir) {

    /** The image a sandbox started from and the limits its spec was shaped by (tmpfs sizes, rlimits). */
    public record Shape(SandboxImage image, SandboxLimits limits) {
    }
}
