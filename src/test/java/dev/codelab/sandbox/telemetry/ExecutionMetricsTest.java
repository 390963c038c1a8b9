package dev.codelab.sandbox.telemetry;

import dev.codelab.sandbox.admission.AdmissionRejectedException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every reason a request can be turned away for has its counter from the start (make monitoring checks the rest live). */
class ExecutionMetricsTest {

    @Test
    void everyAdmissionReasonIsCountedFromZero() {
        List<String> missing = Arrays.stream(AdmissionRejectedException.Reason.values())
                .map(reason -> reason.name().toLowerCase())
                .filter(reason -> !ExecutionMetrics.REJECTION_REASONS.contains(reason)).toList();
        assertEquals(List.of(), missing, "reasons whose first 429 rate() would never see");
    }
}
