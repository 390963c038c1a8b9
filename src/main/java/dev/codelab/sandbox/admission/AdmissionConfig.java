package dev.codelab.sandbox.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Who may run code here, and how much of the machine they may take. */
@ConfigMapping(prefix = "codelab.admission")
public interface AdmissionConfig {

    /**
     * Executions running at once. Unset: two per core, and no more than memory allows at the
     * default memoryMb (plus the sandbox's own overhead).
     */
    OptionalInt maxRunning();

    /** Executions waiting for a slot; past this, 429 at once. */
    @WithDefault("8")
    int maxQueued();

    /** Longest a queued execution waits for a slot before it gets 429. */
    @WithDefault("10s")
    Duration maxQueueWait();

    /**
     * API keys (JSON, see README): when set, every /v1 call needs `Authorization: Bearer <key>`.
     * The file is re-read when it changes; no restart needed.
     */
    Optional<Path> keysFile();

    Abuse abuse();

    /** A key whose runs keep hitting limits is throttled for a while. */
    interface Abuse {
        /** Runs ending in timeout, memory_limit, process_limit or output_limit within the window... */
        @WithDefault("10")
        int maxLimitHits();

        /**
         * ...or runs seen probing their sandbox (network, programs, protected files, privilege,
         * refused calls: codelab.monitoring) within the window...
         */
        @WithDefault("5")
        int maxProbingRuns();

        @WithDefault("5m")
        Duration window();

        /** ...throttle the key for this long. */
        @WithDefault("5m")
        Duration cooldown();
    }
}
