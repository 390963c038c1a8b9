package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.runtime.RuntimeCatalog;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;

/** Warm sandboxes: restored from a checkpoint of a runner that already imported its stack. */
@ConfigMapping(prefix = "codelab.pool")
public interface PoolConfig {

    /**
     * Checkpoint/restore on. Off, every run starts cold (`runsc run`, imports paid by the run),
     * and no two sandboxes share a memory image.
     */
    @WithDefault("true")
    boolean enabled();

    /** Restored sandboxes of the base profile kept waiting for a request, per language. */
    @WithDefault("4")
    @Min(0)
    int size();

    /** Restored sandboxes of the ml profile kept waiting; 0 restores each of its runs on demand. */
    @WithDefault("1")
    @Min(0)
    int mlSize();

    /** How many sandboxes of this profile the pool keeps waiting. */
    default int size(String profile) {
        return RuntimeCatalog.ML.equals(profile) ? mlSize() : size();
    }

    /** Host memory the waiting sandboxes of every profile may hold together. */
    @WithDefault("1024")
    int memoryBudgetMb();

    /** How long the warm runner may take to import its stack before the checkpoint. */
    @WithDefault("120000")
    long checkpointTimeoutMs();

    /** Failed restores in a row after which the checkpoint image is made again. */
    @WithDefault("3")
    int restoreFailuresBeforeRebuild();
}
