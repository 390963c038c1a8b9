package dev.codelab.sandbox.sandbox;

/**
 * The host's own record of a sandbox's memory limit since a mark, from its cgroup: processes the
 * OOM killer ended, and allocations that hit the limit (v1 {@code memory.failcnt}, v2
 * {@code memory.events max}). Nothing the program says enters it.
 */
public record LimitEvidence(long oomKills, long memoryLimitHits) {

    public static final LimitEvidence NONE = new LimitEvidence(0, 0);

    public boolean oomKilled() {
        return oomKills > 0;
    }

    public boolean memoryLimitHit() {
        return oomKills > 0 || memoryLimitHits > 0;
    }
}
