package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.api.ExecutionRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one API key may do: executions at once, executions per minute, and the largest limits
 * its requests may ask for. A null field means the service-wide value.
 */
@RegisterForReflection
public record KeyPolicy(Integer maxConcurrent, Integer perMinute, ExecutionRequest.LimitsInput maxLimits) {

    public static final KeyPolicy UNRESTRICTED = new KeyPolicy(null, null, null);
}
