package dev.codelab.sandbox.admission;

import org.junit.jupiter.api.Test;

import static dev.codelab.sandbox.admission.MemoryBudget.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What running executions may hold: the service's memory less the JVM and the pool, or as configured. */
class MemoryBudgetTest {

    @Test
    void aPodsLimitLessTheJvmAndThePool() {
        ServiceMemory pod = new ServiceMemory(4096 * MIB, "cgroup v2 memory.max of /");
        MemoryBudget budget = MemoryBudget.derived(pod, 1024 * MIB, 256, 512, 96);
        assertEquals(2304 * MIB, budget.bytes());
        assertEquals(2208, budget.largestRunMb());
        assertEquals("4096 MiB from cgroup v2 memory.max of / - 1024 MiB JVM heap max - 256 MiB JVM non-heap"
                + " - 512 MiB warm pool", budget.derivation());
    }

    @Test
    void aRunHoldsItsMemoryAndTheSandboxOverhead() {
        MemoryBudget budget = MemoryBudget.configured(4400, 96);
        assertEquals(4400 * MIB, budget.bytes());
        assertEquals(2144 * MIB, budget.cost(2048));
        assertEquals(4304, budget.largestRunMb());
    }

    @Test
    void aPodTooSmallHoldsNoRun() {
        ServiceMemory pod = new ServiceMemory(1024 * MIB, "cgroup v1 memory.limit_in_bytes of /");
        MemoryBudget budget = MemoryBudget.derived(pod, 512 * MIB, 256, 1024, 96);
        assertEquals(0, budget.bytes());
        assertEquals(0, budget.largestRunMb());
    }
}
