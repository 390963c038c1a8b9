package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The anonymous tenant of an open service is rate-limited and throttled for abuse like any key. */
class AnonymousTenantTest {

    static final Tenant ANONYMOUS = Tenant.anonymous(new KeyPolicy(null, 2, null));

    @Test
    void itsRateIsLimited() {
        RateLimiter rates = new RateLimiter();
        rates.acquire(ANONYMOUS);
        rates.acquire(ANONYMOUS);
        AdmissionRejectedException over = assertThrows(AdmissionRejectedException.class,
                () -> rates.acquire(ANONYMOUS));
        assertEquals(AdmissionRejectedException.Reason.RATE, over.reason());
        assertTrue(over.getMessage().startsWith("anonymous requests (all callers together) may start 2 executions"
                + " per minute"), over.getMessage());
    }

    @Test
    void runsThatKeepHittingLimitsThrottleIt() {
        AbuseMonitor abuse = new AbuseMonitor(new AbuseRules(3, Duration.ofMinutes(5), Duration.ofMinutes(5)));
        for (int i = 0; i < 3; i++) {
            abuse.check(ANONYMOUS);
            abuse.onFinished(finished(ExecutionStatus.TIMEOUT));
        }
        AdmissionRejectedException throttled = assertThrows(AdmissionRejectedException.class,
                () -> abuse.check(ANONYMOUS));
        assertEquals(AdmissionRejectedException.Reason.ABUSE, throttled.reason());
        assertTrue(throttled.getMessage().startsWith("throttled: anonymous requests"), throttled.getMessage());
    }

    private static ExecutionFinished finished(ExecutionStatus status) {
        ExecutionPlan plan = new ExecutionPlan(ANONYMOUS, null, "", "", List.of(), Map.of(), null);
        ExecutionResult result = new ExecutionResult("run", "python", status, null, "SIGKILL", "", "", false, null,
                List.of(), List.of(), List.of(), List.of(), null, null, null, null);
        return new ExecutionFinished(plan, result);
    }
}
