package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import dev.codelab.sandbox.sandbox.StartMode;
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

    @Test
    void runsThatKeepProbingTheirSandboxThrottleIt() {
        AbuseMonitor abuse = new AbuseMonitor(new AbuseRules(10, 2, Duration.ofMinutes(5), Duration.ofMinutes(5)));
        SecurityEvents quiet = new SecurityEvents(0, 0, 0, 0, Map.of(), 3, 0);
        SecurityEvents probing = new SecurityEvents(0, 0, 1, 0, Map.of(), 0, 0);
        for (int i = 0; i < 5; i++) {
            abuse.onFinished(finished(ExecutionStatus.OK, quiet)); // dropped events alone are no probe
            abuse.onFinished(finished(ExecutionStatus.OK, null)); // nor is a run nobody watched
            abuse.onFinished(finished(ExecutionStatus.ERROR, new SecurityEvents(3, 0, 0, 0, Map.of(), 0, 0))); // read_csv of a URL
            abuse.onFinished(finished(ExecutionStatus.OK, new SecurityEvents(0, 2, 0, 0, Map.of("kill:EPERM", 2), 0, 0)));
        }
        abuse.check(ANONYMOUS);
        abuse.onFinished(finished(ExecutionStatus.OK, probing));
        abuse.check(ANONYMOUS);
        abuse.onFinished(finished(ExecutionStatus.OK, probing));
        AdmissionRejectedException throttled = assertThrows(AdmissionRejectedException.class,
                () -> abuse.check(ANONYMOUS));
        assertEquals(AdmissionRejectedException.Reason.ABUSE, throttled.reason());
        assertTrue(throttled.getMessage().startsWith("throttled: anonymous requests"), throttled.getMessage());
        assertTrue(throttled.getMessage().contains("2 of its runs probed their sandbox"), throttled.getMessage());
    }

    @Test
    void whatThrottlesForProbingIsAPatternNotAnAttempt() {
        assertTrue(!new SecurityEvents(50, 0, 0, 0, Map.of(), 0, 0).probing(3, 10), "network, refused: shown, not abuse");
        assertTrue(!new SecurityEvents(0, 9, 0, 0, Map.of("kill:EPERM", 2), 0, 0).probing(3, 10), "a few programs, two refusals");
        assertTrue(new SecurityEvents(0, 10, 0, 0, Map.of(), 0, 0).probing(3, 10), "programs in a loop");
        assertTrue(new SecurityEvents(0, 0, 0, 0, Map.of("kill:EPERM", 3), 0, 0).probing(3, 10), "repeated refusals");
        assertTrue(new SecurityEvents(0, 0, 1, 0, Map.of(), 0, 0).probing(3, 10), "a sensitive path, once");
        assertTrue(new SecurityEvents(0, 0, 0, 1, Map.of(), 0, 0).probing(3, 10), "a privilege call, once");
    }

    private static ExecutionFinished finished(ExecutionStatus status) {
        return finished(status, null);
    }

    private static ExecutionFinished finished(ExecutionStatus status, SecurityEvents seen) {
        return finished(ANONYMOUS, status, seen);
    }

    static ExecutionFinished finished(Tenant tenant, ExecutionStatus status) {
        return finished(tenant, status, null);
    }

    private static ExecutionFinished finished(Tenant tenant, ExecutionStatus status, SecurityEvents seen) {
        ExecutionPlan plan = new ExecutionPlan(tenant, null, null, "", "", List.of(), Map.of(), null);
        ExecutionResult result = new ExecutionResult("run", "python", status, null, "SIGKILL", "", "", false, null,
                List.of(), List.of(), List.of(), List.of(), new ExecutionResult.Usage(100, 20, 1 << 20, 0, StartMode.WARM),
                null, null, null, null, null, null, null);
        return new ExecutionFinished(plan, result, seen);
    }
}
