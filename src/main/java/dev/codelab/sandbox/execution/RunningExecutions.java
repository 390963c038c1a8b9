package dev.codelab.sandbox.execution;

/**
 * Told as each run starts and as it ends, however it ends. Telemetry implements it (the gauge of
 * runs under way); it is declared here so that execution needs nothing of telemetry.
 */
public interface RunningExecutions {

    void started();

    void ended();
}
