package dev.codelab.sandbox.execution;

/** Fired once per finished run, for the audit log, abuse signals and metrics. */
public record ExecutionFinished(ExecutionPlan plan, ExecutionResult result) {
}
