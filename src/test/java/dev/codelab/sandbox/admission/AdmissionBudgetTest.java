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
 * The one admission gate, without Quarkus or sandboxes: permits are granted, queued or refused by
 * what runs, sessions and cells hold (slots, memory, answer room). Queue waits are an hour, so no
 * timer fires during a test.
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
        return admission(maxRunning, maxQueued, budgetMb, 1 << 30, new AbuseMonitor(AbuseRules.DEFAULT));
    }

    private static Admission admission(int maxRunning, int maxQueued, int budgetMb, long answerBytes, AbuseMonitor abuse) {
        return new Admission(new Admission.Bounds(maxRunning, maxQueued, NO_TIMEOUT),
                MemoryBudget.configured(budgetMb, 96), answerBytes, new RateLimiter(), abuse);
    }

    private static Request admit(Admission admission, Tenant tenant, int memoryMb) {
        return admit(admission, Ticket.run(tenant, memoryMb, MIB));
    }

    private static Request admit(Admission admission, Ticket ticket) {
        CompletableFuture<Permit> permit = new CompletableFuture<>();
        Cancellable leave = admission.admit(ticket).subscribe().with(permit::complete, permit::completeExceptionally);
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
        assertTrue(full.getMessage().contains("2 executions running, sandboxes holding 4288 of 4400 MiB, and 1 waiting"),
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

    @Test
    void aUserOfADelegatingKeyHasItsOwnCapWithinTheKeys() {
        Admission admission = admission(8, 4, 100_000);
        Tenant backend = new Tenant("backend", new KeyPolicy(3, null, null, true,
                new KeyPolicy.PerUser(null, 1, null, null)));
        Request alice = admit(admission, backend.actingFor("alice"), 256);
        AdmissionRejectedException own = assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, backend.actingFor("alice"), 256));
        assertEquals("user 'alice' of this API key may run 1 executions at once", own.getMessage());
        admit(admission, backend.actingFor("bob"), 256);
        admit(admission, backend, 256); // the key acting as itself
        AdmissionRejectedException key = assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, backend.actingFor("carol"), 256));
        assertEquals("this API key (all its users) may run 3 executions at once", key.getMessage());
        alice.release();
        assertTrue(admit(admission, backend.actingFor("carol"), 256).granted(), "alice's slot, freed, is the key's again");
    }

    @Test
    void aUsersRateIsItsOwnAndTheKeysTotalStillHolds() {
        RateLimiter rates = new RateLimiter();
        Tenant backend = new Tenant("backend", new KeyPolicy(null, 3, null, true, new KeyPolicy.PerUser(2, null, null, null)));
        rates.acquire(backend.actingFor("alice"));
        rates.acquire(backend.actingFor("alice"));
        AdmissionRejectedException own = assertThrows(AdmissionRejectedException.class,
                () -> rates.acquire(backend.actingFor("alice")));
        assertTrue(own.getMessage().startsWith("user 'alice' of this API key may start 2 executions per minute"),
                own.getMessage());
        rates.acquire(backend.actingFor("bob"));
        AdmissionRejectedException total = assertThrows(AdmissionRejectedException.class,
                () -> rates.acquire(backend.actingFor("carol")));
        assertTrue(total.getMessage().startsWith("this API key (all its users) may start 3 executions per minute"),
                total.getMessage());
        assertEquals(4, rates.tracked(), "alice, bob, carol and the key");
        rates.forgetFullBuckets();
        assertEquals(4, rates.tracked(), "none has filled up again within the minute");
    }

    @Test
    void idleSessionsHoldMemoryButNoExecutionSlot() {
        Admission admission = admission(2, 4, 100_000);
        for (int i = 0; i < 4; i++) {
            assertTrue(admit(admission, Ticket.session(TENANT, 256)).granted());
        }
        assertEquals(0, admission.running(), "four idle sessions leave every slot free");
        assertTrue(admit(admission, TENANT, 256).granted());
        assertTrue(admit(admission, Ticket.cell(TENANT, MIB)).granted());
        assertFalse(admit(admission, TENANT, 256).granted(), "a run and a cell fill the two slots");
        assertEquals(4 * (256 + 96) * MIB + (256 + 96) * MIB, admission.reservedBytes(),
                "a cell holds no memory of its own: its session does");
    }

    @Test
    void aKeysConcurrencyCountsRunsAndCellsNotSessions() {
        Admission admission = admission(8, 4, 100_000);
        Tenant one = new Tenant("one", new KeyPolicy(1, null, null));
        admit(admission, Ticket.session(one, 256));
        Request cell = admit(admission, Ticket.cell(one, MIB));
        assertTrue(cell.granted(), "an open session does not use up maxConcurrent 1");
        assertThrows(AdmissionRejectedException.class, () -> admit(admission, one, 256));
        cell.release();
        assertTrue(admit(admission, one, 256).granted());
    }

    @Test
    void cellsAndSessionsCountTowardTheRateButResumesDoNot() {
        Admission admission = admission(8, 4, 100_000);
        Tenant five = new Tenant("five", new KeyPolicy(null, 3, null));
        admit(admission, Ticket.session(five, 256));
        admit(admission, Ticket.cell(five, MIB));
        admit(admission, Ticket.cell(five, MIB));
        AdmissionRejectedException rate = assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, Ticket.cell(five, MIB)));
        assertEquals(AdmissionRejectedException.Reason.RATE, rate.reason());
        assertTrue(admit(admission, Ticket.resume(five, 256)).granted(), "its cell was counted already");
    }

    @Test
    void aThrottledKeyRunsNoCellEither() {
        AbuseMonitor abuse = new AbuseMonitor(new AbuseRules(1, 1, Duration.ofMinutes(5), Duration.ofMinutes(5)));
        Admission admission = admission(8, 4, 100_000, 1 << 30, abuse);
        abuse.onFinished(AnonymousTenantTest.finished(TENANT, dev.codelab.sandbox.execution.ExecutionStatus.TIMEOUT));
        assertEquals(AdmissionRejectedException.Reason.ABUSE, assertThrows(AdmissionRejectedException.class,
                () -> admit(admission, Ticket.cell(TENANT, MIB))).reason());
    }

    @Test
    void answersNotYetWrittenShareOneBudgetAndWaitForRoom() {
        Admission admission = admission(8, 4, 100_000, 100 * MIB, new AbuseMonitor(AbuseRules.DEFAULT));
        Request first = admit(admission, Ticket.run(TENANT, 256, 60 * MIB));
        Request second = admit(admission, Ticket.run(TENANT, 256, 60 * MIB));
        assertTrue(first.granted());
        assertFalse(second.permit().isDone(), "two answers of 60 MiB do not fit 100 MiB: the second waits");
        assertEquals(60 * MIB, admission.reservedAnswerBytes());
        first.release();
        assertTrue(second.granted());
        assertThrows(IllegalArgumentException.class, () -> admit(admission, Ticket.cell(TENANT, 101 * MIB)));
    }

    @Test
    void everyReservationReturnsToZero() {
        Admission admission = admission(2, 8, 4400);
        java.util.List<Request> requests = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(admit(admission, i % 3 == 0 ? Ticket.session(TENANT, 512) : i % 3 == 1
                    ? Ticket.cell(TENANT, 2 * MIB) : Ticket.run(TENANT, 1024, 3 * MIB)));
        }
        requests.get(5).leave().cancel(); // a client that left the queue
        for (Request request : requests) {
            if (request.granted()) {
                request.release();
            }
        }
        for (Request request : requests) {
            if (request.granted()) {
                request.release(); // granted after another's release; a second release is a no-op
            }
        }
        assertEquals(0, admission.running());
        assertEquals(0, admission.reservedBytes());
        assertEquals(0, admission.reservedAnswerBytes());
        assertEquals(0, admission.queued());
    }
}
