package dev.codelab.sandbox.pool;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Warm sandboxes: restored from a checkpoint of a runner that already imported its stack. */
@ConfigMapping(prefix = "codelab.pool")
public interface PoolConfig {

    /**
     * Checkpoint/restore on. Off, every run starts cold (`runsc run`, imports paid by the run),
     * and no two sandboxes share a memory image.
     */
    @WithDefault("true")
    boolean enabled();

    /** Restored sandboxes kept waiting for a request, per language. */
    @WithDefault("4")
    int size();

    /** Host memory the waiting sandboxes may hold together. */
    @WithDefault("1024")
    int memoryBudgetMb();

    /** How long the warm runner may take to import its stack before the checkpoint. */
    @WithDefault("120000")
    long checkpointTimeoutMs();

    /** Failed restores in a row after which the checkpoint image is made again. */
    @WithDefault("3")
    int restoreFailuresBeforeRebuild();
}
