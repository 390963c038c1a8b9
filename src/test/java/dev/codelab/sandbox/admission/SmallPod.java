package dev.codelab.sandbox.admission;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * A pod-sized memory budget: 4400 MiB for running executions, two runs of 2048 MiB (+ 96 each),
 * with a count bound that never binds first, two places in the queue, and a maximum memoryMb
 * above what the budget holds.
 */
public class SmallPod implements QuarkusTestProfile {

    public static final int BUDGET_MB = 4400;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("codelab.admission.memory.budget-mb", Integer.toString(BUDGET_MB),
                "codelab.admission.max-running", "8",
                "codelab.admission.max-queued", "2",
                "codelab.admission.max-queue-wait", "60s",
                "codelab.execution.max.memory-mb", "8192");
    }
}
