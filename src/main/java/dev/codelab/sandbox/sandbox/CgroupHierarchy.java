package dev.codelab.sandbox.sandbox;

import java.util.Set;

/**
 * The host's cgroup hierarchy, v1 or v2, detected once at start ({@link CgroupDetection}): where
 * sandboxes' cgroups go and how they are made, read and removed.
 */
public sealed interface CgroupHierarchy permits CgroupV1Hierarchy, CgroupV2Hierarchy {

    /** "v1" or "v2", for readiness and the log. */
    String version();

    /**
     * Null when sandboxes can get cgroups here, else why not, fit for users (no host paths).
     * Sets up the sandboxes' parent where it must be; cheap and idempotent, so it can run often.
     */
    String problem();

    /** A sandbox's cgroup, not yet made. */
    Cgroup sandbox(String name);

    /** Names of the per-sandbox cgroups under the sandboxes' parent now. */
    Set<String> children();

    /** Removes a leftover sandbox cgroup (killing what is still in it where the kernel can); true when gone. */
    boolean removeLeftover(String name);
}
