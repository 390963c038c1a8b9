package dev.codelab.sandbox.tenant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one API key may do: executions at once, executions per minute, and the largest limits
 * its requests may ask for. A null field means the service-wide value.
 */
@RegisterForReflection
public record KeyPolicy(Integer maxConcurrent, Integer perMinute, MaxLimits maxLimits) {

    public static final KeyPolicy UNRESTRICTED = new KeyPolicy(null, null, null);

    /** The most a request of this key may ask for, limit by limit; a null one is the service's maximum. */
    @RegisterForReflection
    public record MaxLimits(Long timeoutMs, Double cpus, Integer memoryMb, Integer pids, Long outputBytes,
                            Integer diskMb) {
    }
}
