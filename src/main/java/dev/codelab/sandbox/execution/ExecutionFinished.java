package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.sandbox.SecurityEvents;

/**
 * Fired once per finished run, for the audit log, abuse signals and metrics. {@code securityEvents}
 * (null when the sandbox was not watched) is for the operators only: it never reaches the user.
 */
public record ExecutionFinished(ExecutionPlan plan, ExecutionResult result, SecurityEvents securityEvents) {
}
