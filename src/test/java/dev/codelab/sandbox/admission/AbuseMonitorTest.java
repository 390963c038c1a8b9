package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Abuse is judged per subject: one end user of a delegating key throttles that user, never the key's
 * other users nor the key acting as itself; and what the window remembers stays bounded however
 * many users a key brings.
 */
class AbuseMonitorTest {

    static {
        System.setProperty("jol.magicFieldOffset", "true"); // records' fields: JOL cannot ask Unsafe for their offsets
    }

    private static final Tenant BACKEND = new Tenant("backend", new KeyPolicy(null, null, null, true, null));
    private static final Tenant ALICE = BACKEND.actingFor("alice");
    private static final Tenant BOB = BACKEND.actingFor("bob");

    private static AbuseMonitor monitor(int tracked) {
        return new AbuseMonitor(new AbuseRules(10, 5, Duration.ofMinutes(5), Duration.ofMinutes(5), tracked));
    }

    @Test
    void oneUsersLimitHitsThrottleThatUserOnly() {
        AbuseMonitor abuse = monitor(1000);
        for (int i = 0; i < 10; i++) {
            abuse.check(ALICE);
            abuse.onFinished(AnonymousTenantTest.finished(ALICE, ExecutionStatus.PROCESS_LIMIT));
            abuse.onFinished(AnonymousTenantTest.finished(BOB, ExecutionStatus.OK));
        }
        AdmissionRejectedException throttled = assertThrows(AdmissionRejectedException.class, () -> abuse.check(ALICE));
        assertTrue(throttled.getMessage().startsWith("throttled: user 'alice' of this API key"), throttled.getMessage());
        abuse.check(BOB);
        abuse.check(BACKEND);
        assertEquals(1, abuse.throttledNow(true));
        assertEquals(0, abuse.throttledNow(false));

        AbuseReport report = abuse.report(10);
        assertEquals(1, report.throttled().size());
        assertEquals("alice", report.throttled().get(0).user());
        AbuseReport.Subject most = report.mostLimitHits().get(0);
        assertEquals(List.of("backend", "alice"), List.of(most.tenant(), most.user()));
        assertEquals(new AbuseReport.Activity(10, 10, 0, 200), most.activity(), "10 runs of 20 ms CPU");
        assertEquals(1, report.mostLimitHits().size(), "bob hit no limit");
    }

    @Test
    void aDelegatingKeySetsItsUsersOwnThresholds() {
        Tenant strict = new Tenant("strict", new KeyPolicy(null, null, null, true,
                new KeyPolicy.PerUser(null, null, null, new KeyPolicy.Abuse(2, null)))).actingFor("carol");
        AbuseMonitor abuse = monitor(1000);
        abuse.onFinished(AnonymousTenantTest.finished(strict, ExecutionStatus.TIMEOUT));
        abuse.check(strict);
        abuse.onFinished(AnonymousTenantTest.finished(strict, ExecutionStatus.TIMEOUT));
        assertThrows(AdmissionRejectedException.class, () -> abuse.check(strict), "2 hits, its key's perUser bound");
    }

    @Test
    void aHundredThousandUsersLeaveTheWindowBoundedAndTheThrottledRemembered() {
        AbuseMonitor abuse = monitor(10_000);
        for (int i = 0; i < 10; i++) {
            abuse.onFinished(AnonymousTenantTest.finished(ALICE, ExecutionStatus.TIMEOUT));
        }
        for (int user = 0; user < 100_000; user++) {
            abuse.onFinished(AnonymousTenantTest.finished(BACKEND.actingFor("student-" + user), ExecutionStatus.OK));
        }
        assertTrue(abuse.tracked() <= 10_000, "subjects remembered: " + abuse.tracked());
        assertThrows(AdmissionRejectedException.class, () -> abuse.check(ALICE), "the throttled user is never forgotten");
        long bytes = GraphLayout.parseInstance(abuse).totalSize();
        assertTrue(bytes < 16L << 20, "the abuse window after 100,000 users holds " + (bytes >> 10) + " KiB");
        System.out.printf("abuse window after 100,000 users: %d subjects, %d KiB%n", abuse.tracked(), bytes >> 10);
        AbuseReport report = abuse.report(10);
        assertEquals(10, report.mostCpu().size(), "the top ten by CPU, among those remembered");
        assertEquals(List.of("alice"), report.mostLimitHits().stream().map(AbuseReport.Subject::user).toList());
    }
}
