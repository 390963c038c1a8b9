package dev.codelab.sandbox.admission;

/**
 * Memory that running executions may hold together, and how it was arrived at. A run holds its
 * memoryMb plus the sandbox's own overhead (sentry and gofer), the same figure its cgroup limit is.
 */
record MemoryBudget(long bytes, int runOverheadMb, String derivation) {

    static final long MIB = 1024L * 1024;

    /** A budget set in configuration. */
    static MemoryBudget configured(int budgetMb, int runOverheadMb) {
        return new MemoryBudget(budgetMb * MIB, runOverheadMb, "codelab.admission.memory.budget-mb");
    }

    /** What the service may use, less what the JVM may grow to and what the warm pool may hold. */
    static MemoryBudget derived(ServiceMemory service, long jvmHeapBytes, int jvmNonHeapMb, int poolMb,
                                int runOverheadMb) {
        long bytes = service.bytes() - jvmHeapBytes - jvmNonHeapMb * MIB - poolMb * MIB;
        String derivation = "%d MiB from %s - %d MiB JVM heap max - %d MiB JVM non-heap - %d MiB warm pool"
                .formatted(service.bytes() / MIB, service.source(), jvmHeapBytes / MIB, jvmNonHeapMb, poolMb);
        return new MemoryBudget(Math.max(0, bytes), runOverheadMb, derivation);
    }

    /** What a run of this memoryMb holds. */
    long cost(int memoryMb) {
        return (memoryMb + (long) runOverheadMb) * MIB;
    }

    /** The largest memoryMb that fits when nothing else runs; 0 when none does. */
    int largestRunMb() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, bytes / MIB - runOverheadMb));
    }
}
