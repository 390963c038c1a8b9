package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.subscription.Cancellable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;

import static dev.codelab.sandbox.admission.MemoryBudget.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admission against a memory budget, without Quarkus or sandboxes: permits are granted, queued or
 * refused by what the runs hold. Queue waits are an hour, so no timer fires during a test.
 */
class AdmissionBudgetTest {

    static final Duration NO_TIMEOUT = Duration.of(1, ChronoUnit.HOURS);
    static final Tenant TENANT = new Tenant("t", KeyPolicy.UNRESTRICTED);
    static final long RUN_2048 = (2048 + 96) * MIB;

    /** One admit() call: its permit once granted, and the handle to leave the queue. */
    record Request(CompletableFuture<Permit> permit, Cancellable leave) {
        boolean granted() {
            return permit.isDone() && !permit.isCompletedExceptionally();
        }

        void release() {
            permit.join().release();
        }
    }

    private static Admission admission(int maxRunning, int maxQueued, int budgetMb) {
        return new Admission(new Admission.Bounds(maxRunning, maxQueued, NO_TIMEOUT),
                MemoryBudget.configured(budgetMb, 96), new RateLimiter(), new AbuseMonitor(AbuseRules.DEFAULT));
    }

    private static Request admit(Admission admission, Tenant tenant, int memoryMb) {
        CompletableFuture<Permit> permit = new CompletableFuture<>();
        Cancellable leave = admission.admit(tenant, memoryMb).subscribe().with(permit::complete,
                permit::completeExceptionally);
        return new Request(permit, leave);
    }

    @Test
    void runsBeyondTheBudgetWaitAndGetTheMemoryThatIsFreed() {
        Admission admission = admission(8, 1, 4400);
        Request first = admit(admission, TENANT, 2048);
        Request second = admit(admission, TENANT, 2048);
        Request third = admit(admission, TENANT, 2048);
        assertTrue(first.granted() && second.granted());
        assertFalse(third.permit().isDone(), "two runs of 2 GiB fill 4400 MiB: the third waits");
        assertEquals(1, admission.queued());
        assertEquals(2 * RUN_2048, admission.reservedBytes());

        AdmissionRejectedException full = assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, TENANT, 2048));
        assertEquals(AdmissionRejectedException.Reason.CAPACITY, full.reason());
        assertTrue(full.getMessage().contains("2 executions running, holding 4288 of 4400 MiB, and 1 waiting"),
                full.getMessage());

        first.release();
        assertTrue(third.granted(), "the memory freed passes to the queue");
        assertEquals(0, admission.queued());
        assertEquals(2 * RUN_2048, admission.reservedBytes());
        second.release();
        third.release();
        third.release(); // a permit frees its memory once
        assertEquals(0, admission.reservedBytes());
    }

    @Test
    void aLargeRunAtTheHeadIsNotOvertakenAndItsLeavingLetsTheOthersIn() {
        Admission admission = admission(8, 4, 4800);
        admit(admission, TENANT, 2048);
        admit(admission, TENANT, 2048);
        Request large = admit(admission, TENANT, 2048);
        Request small = admit(admission, TENANT, 256);
        assertFalse(small.permit().isDone(), "first come, first served, though 352 MiB would fit now");
        large.leave().cancel();
        assertTrue(small.granted());
        assertEquals(2 * RUN_2048 + (256 + 96) * MIB, admission.reservedBytes());
        assertEquals(0, admission.queued());
    }

    @Test
    void theCountBoundHoldsWhateverTheMemory() {
        Admission admission = admission(2, 4, 100_000);
        Request first = admit(admission, TENANT, 256);
        admit(admission, TENANT, 256);
        Request third = admit(admission, TENANT, 256);
        assertFalse(third.permit().isDone());
        first.release();
        assertTrue(third.granted());
    }

    @Test
    void aRunLargerThanTheWholeBudgetNeverQueues() {
        Admission admission = admission(8, 4, 4400);
        assertEquals(4304, admission.largestMemoryMb());
        assertThrows(IllegalArgumentException.class, () -> admit(admission, TENANT, 4305));
        assertTrue(admit(admission, TENANT, 4304).granted());
    }

    @Test
    void aKeysOwnCapCountsItsQueuedRunsToo() {
        Admission admission = admission(1, 4, 100_000);
        Tenant capped = new Tenant("capped", new KeyPolicy(2, null, null));
        admit(admission, capped, 256);
        admit(admission, capped, 256);
        AdmissionRejectedException over = assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, capped, 256));
        assertEquals("this API key may run 2 executions at once", over.getMessage());
    }
}
