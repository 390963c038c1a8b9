package dev.codelab.sandbox.sandbox;

/** What a sandbox used, read from its host cgroup. */
public record SandboxUsage(long cpuMs, long memoryPeakBytes) {
}
