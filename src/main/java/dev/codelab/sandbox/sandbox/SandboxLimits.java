package dev.codelab.sandbox.sandbox;

/** The limits one sandbox runs under, already validated against their maxima. */
public record SandboxLimits(long timeoutMs, double cpus, int memoryMb, int pids, long outputBytes, int diskMb) {

    public long memoryBytes() {
        return memoryMb * 1024L * 1024L;
    }

    public long diskBytes() {
        return diskMb * 1024L * 1024L;
    }
}
