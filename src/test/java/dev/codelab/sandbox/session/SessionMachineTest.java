package dev.codelab.sandbox.session;

import dev.codelab.sandbox.session.SessionMachine.Claim;
import dev.codelab.sandbox.session.SessionMachine.Phase;
import dev.codelab.sandbox.session.SessionMachine.Teardown;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A session's life, pure logic: every transition, and the races issue 18 found, without a sandbox. */
class SessionMachineTest {

    private final SessionMachine machine = new SessionMachine(SessionMachine.Phase.IDLE);

    @Test
    void aTurnIsTakenOnceUntilItsCellEnds() {
        assertEquals(Claim.RUN, machine.claimCell());
        assertEquals(Claim.BUSY, machine.claimCell(), "a second cell while one runs");
        assertEquals(Teardown.NONE, machine.cellEnded(machine.turn(), null));
        assertEquals(Phase.IDLE, machine.phase());
        assertEquals(Claim.RUN, machine.claimCell(), "the next cell, sent the moment the answer arrived");
    }

    @Test
    void aCellIsUnderwayWhileItRunsOrItsKernelIsReadiedNeverBetweenCells() {
        assertFalse(machine.cellUnderway(), "idle: an interrupt has nothing to stop");
        machine.claimCell();
        assertTrue(machine.cellUnderway());
        machine.cellEnded(machine.turn(), null);
        assertFalse(machine.cellUnderway());
        assertTrue(machine.startHibernating());
        assertFalse(machine.cellUnderway(), "a checkpoint is not a cell");
        assertEquals(Claim.AWAIT_CHECKPOINT, machine.claimCell());
        assertTrue(machine.cellUnderway(), "a cell waiting for the checkpoint to resume it");
        machine.hibernated();
        assertEquals(Claim.RESUME, machine.resumeAfterCheckpoint(machine.turn()));
        assertTrue(machine.cellUnderway(), "being restored for its cell");
        machine.end(EndReason.DELETED);
        assertFalse(machine.cellUnderway());
    }

    @Test
    void aLateEventOfAnEarlierTurnNeverMovesALaterOne() {
        machine.claimCell();
        long first = machine.turn();
        machine.cellEnded(first, null);
        machine.claimCell();
        assertEquals(Teardown.NONE, machine.cellEnded(first, null), "the first cell's end, seen late");
        assertEquals(Teardown.NONE, machine.cellAborted(first), "the first cell's stream failing late");
        assertEquals(Phase.RUNNING, machine.phase(), "the second cell still has the turn");
    }

    @Test
    void aCellThatEndsItsKernelEndsTheSessionWithTheReason() {
        machine.claimCell();
        assertEquals(Teardown.RUNNING_KERNEL, machine.cellEnded(machine.turn(), EndReason.MEMORY_LIMIT));
        assertEquals(Phase.ENDED, machine.phase());
        assertEquals(EndReason.MEMORY_LIMIT, machine.endReason());
        assertEquals(Claim.GONE, machine.claimCell());
    }

    @Test
    void aCellThatFailedOnTheServicesFaultEndsTheSession() {
        machine.claimCell();
        assertEquals(Teardown.RUNNING_KERNEL, machine.cellAborted(machine.turn()));
        assertEquals(EndReason.SANDBOX_FAILED, machine.endReason());
    }

    @Test
    void anIdleSessionHibernatesAndItsNextCellResumesIt() {
        assertTrue(machine.startHibernating());
        assertEquals(Phase.HIBERNATING, machine.phase());
        machine.hibernated();
        assertEquals(Claim.RESUME, machine.claimCell());
        assertEquals(Claim.BUSY, machine.claimCell(), "a second cell while the first resumes");
        machine.resumed(machine.turn());
        assertEquals(Phase.RUNNING, machine.phase());
    }

    @Test
    void aFailedResumeKeepsTheSessionHibernatedForAnotherTry() {
        machine.startHibernating();
        machine.hibernated();
        machine.claimCell();
        machine.resumeFailed(machine.turn());
        assertEquals(Phase.HIBERNATED, machine.phase());
        assertEquals(Claim.RESUME, machine.claimCell());
    }

    @Test
    void aCellArrivingDuringACheckpointWaitsThenResumes() {
        machine.startHibernating();
        assertEquals(Claim.AWAIT_CHECKPOINT, machine.claimCell());
        assertEquals(Claim.BUSY, machine.claimCell());
        assertFalse(machine.resting(), "nobody expires or evicts a session a cell waits for");
        machine.hibernated();
        assertEquals(Claim.RESUME, machine.resumeAfterCheckpoint(machine.turn()));
        assertEquals(Phase.RESUMING, machine.phase());
    }

    @Test
    void aSessionWhoseImageDoesNotFitStaysLive() {
        machine.startHibernating();
        machine.hibernationDeclined();
        assertEquals(Phase.IDLE, machine.phase());
        machine.startHibernating();
        assertEquals(Claim.AWAIT_CHECKPOINT, machine.claimCell());
        machine.hibernationDeclined();
        assertEquals(Claim.RUN, machine.resumeAfterCheckpoint(machine.turn()), "the waiting cell runs on the live kernel");
    }

    @Test
    void aCellNeverStartsHibernatingABusySession() {
        machine.claimCell();
        assertFalse(machine.startHibernating());
    }

    @Test
    void endingSaysWhatToTearDownByWhatTheSessionHeld() {
        assertEquals(Teardown.KERNEL, new SessionMachine(SessionMachine.Phase.IDLE).end(EndReason.DELETED));
        SessionMachine hibernated = new SessionMachine(SessionMachine.Phase.IDLE);
        hibernated.startHibernating();
        assertEquals(Teardown.LATER, hibernated.end(EndReason.DELETED), "the checkpoint under way cleans up");
        SessionMachine asleep = new SessionMachine(SessionMachine.Phase.IDLE);
        asleep.startHibernating();
        asleep.hibernated();
        assertEquals(Teardown.IMAGE, asleep.end(EndReason.IDLE_TIMEOUT));
        assertEquals(Teardown.NONE, asleep.end(EndReason.DELETED), "once only");
        assertEquals(EndReason.IDLE_TIMEOUT, asleep.endReason(), "the first reason stays");
    }

    @Test
    void aCheckpointThatEndedTheSessionLeavesTheWaitingCellNothing() {
        machine.startHibernating();
        machine.claimCell();
        machine.end(EndReason.HIBERNATION_FAILED);
        assertEquals(Claim.GONE, machine.resumeAfterCheckpoint(machine.turn()));
    }

    @Test
    void everyWayAKernelEndsIsAReasonASessionEnds() {
        for (dev.codelab.sandbox.execution.KernelEnd end : dev.codelab.sandbox.execution.KernelEnd.values()) {
            assertEquals(end.value(), EndReason.of(end).value());
        }
    }
}
