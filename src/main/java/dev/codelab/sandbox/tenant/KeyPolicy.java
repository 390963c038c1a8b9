package dev.codelab.sandbox.tenant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one API key may do: executions at once, executions per minute, and the largest limits its
 * requests may ask for; whether it may act for end users (X-Codelab-User) and what each of them
 * may do. A null field means the service-wide value (for perUser: no cap beyond the key's own).
 */
@RegisterForReflection
public record KeyPolicy(Integer maxConcurrent, Integer perMinute, MaxLimits maxLimits, boolean delegates,
                        PerUser perUser) {

    public static final KeyPolicy UNRESTRICTED = new KeyPolicy(null, null, null);

    public KeyPolicy(Integer maxConcurrent, Integer perMinute, MaxLimits maxLimits) {
        this(maxConcurrent, perMinute, maxLimits, false, null);
    }

    /** The most a request of this key may ask for, limit by limit; a null one is the service's maximum. */
    @RegisterForReflection
    public record MaxLimits(Long timeoutMs, Double cpus, Integer memoryMb, Integer pids, Long outputBytes,
                            Integer diskMb) {
    }

    /**
     * What each end user of a delegating key may do, within the key's own totals; a null field is no
     * cap of the user's own (the key's still holds), or for the abuse thresholds the service's.
     */
    @RegisterForReflection
    public record PerUser(Integer perMinute, Integer maxConcurrent, Integer maxOpenSessions, Abuse abuse) {

        public static final PerUser NONE = new PerUser(null, null, null, null);

        public Abuse abuseOrNone() {
            return abuse == null ? Abuse.NONE : abuse;
        }
    }

    /** When a user is throttled: limit hits, or runs seen probing, within the service's abuse window. */
    @RegisterForReflection
    public record Abuse(Integer maxLimitHits, Integer maxProbingRuns) {

        public static final Abuse NONE = new Abuse(null, null);
    }
}
