package dev.codelab.sandbox.sandbox;

import java.io.IOException;

/**
 * One sandbox's cgroup, made by the service before runsc starts so that runsc joins it but does
 * not own it: its counters outlive the sandbox and can be read after it exits. Which hierarchy it
 * lives in is {@link CgroupHierarchy}'s concern.
 */
public sealed interface Cgroup permits CgroupV1, CgroupV2 {

    /** The path runsc gets as the spec's cgroupsPath. */
    String specPath();

    /** Makes the cgroup; with no limits yet (null) it gets room to prepare in and no CPU quota. */
    void create(SandboxLimits limits, long preparingMemoryBytes, int overheadMb, int hostPidsLimit) throws IOException;

    /**
     * Puts a run's limits on the cgroup and starts its usage figures from here. Fails when the
     * sandbox already holds more memory than the new limit allows.
     */
    void apply(SandboxLimits limits, int overheadMb) throws IOException;

    /** Starts the usage figures and the limit evidence from here (a session's next cell). */
    void mark();

    /** CPU time since the mark, and the memory peak. */
    SandboxUsage usage();

    /** OOM kills and allocations at the memory limit since the mark. */
    LimitEvidence limitEvidence();

    /** Host memory the sandbox holds now. */
    long memoryUsageBytes();

    /** Kills every process in the cgroup at once; false where the kernel cannot (then runsc must). */
    boolean kill();

    /**
     * Removes the cgroup, retrying while its processes exit; what stays is swept at next start.
     * True once it is gone, which proves that none of its processes is left.
     */
    boolean remove() throws InterruptedException;

    static long limitBytes(SandboxLimits limits, int overheadMb) {
        return limits.memoryBytes() + overheadMb * 1024L * 1024L;
    }
}
