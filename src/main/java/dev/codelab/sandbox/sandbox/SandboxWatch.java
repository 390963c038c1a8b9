package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Watches what the program in a sandbox tries, from outside the sandbox (gVisor's runtime
 * monitoring). Implemented outside this package, so sandboxes never depend on how it is done.
 */
public interface SandboxWatch {

    /**
     * Gets ready to hear from a sandbox about to be launched, with files under {@code dir};
     * returns the runsc global flags that connect it, none when watching is off.
     */
    List<String> start(String sandboxId, Path dir) throws IOException;

    /**
     * What the sandbox's program was seen trying since the last take (counts start again from
     * zero); null when it is not watched.
     */
    SecurityEvents take(String sandboxId);

    /** Stops watching a sandbox that is gone; what was seen and never taken is logged. */
    void stop(String sandboxId);
}
