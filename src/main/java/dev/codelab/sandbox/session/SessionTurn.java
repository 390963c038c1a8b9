package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.KernelEnd;
import dev.codelab.sandbox.execution.SessionKernel;
import dev.codelab.sandbox.sandbox.Kernel;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.session.SessionMachine.Claim;

/**
 * One cell's turn in a session, as the execution pipeline sees it: it readies the kernel (waits
 * for a checkpoint under way, resumes a hibernated one, moves a first cell to the profile its
 * imports pick), lends it to the cell, and hands the cell's end back to the session.
 */
final class SessionTurn implements SessionKernel {

    /** How a hibernated session's kernel comes back: Sessions' job (admission, disk, sandboxes). */
    interface Resumer {
        void resume(Session session, long turn);
    }

    /** The first cell's move to another profile (ProfileUpgrade), given the turn. */
    interface Upgrade {
        void take(long turn);
    }

    private final Session session;
    private final ExecutionPlan cell;
    private final long turn;
    private final Claim claim;
    private final Resumer resumer;
    private final Upgrade upgrade;
    private final String pod;

    /** {@code upgrade}: null when the cell runs on the session's kernel as it is. */
    SessionTurn(Session session, ExecutionPlan cell, long turn, Claim claim, Resumer resumer, Upgrade upgrade, String pod) {
        this.session = session;
        this.cell = cell;
        this.turn = turn;
        this.claim = claim;
        this.resumer = resumer;
        this.upgrade = upgrade;
        this.pod = pod;
    }

    @Override
    public ExecutionPlan ready() {
        Claim next = claim;
        if (next == Claim.AWAIT_CHECKPOINT) {
            try {
                next = session.awaitCheckpoint(turn);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                session.cellAborted(turn);
                throw new IllegalStateException("interrupted while waiting for a checkpoint", e);
            }
        }
        if (next == Claim.GONE) {
            throw new SessionNotFoundException(session.id(), session.endReason());
        }
        if (next == Claim.RESUME) {
            resumer.resume(session, turn);
        }
        if (upgrade != null) {
            upgrade.take(turn);
        }
        return session.cellPlan(cell);
    }

    @Override
    public Kernel kernel() {
        return session.kernel();
    }

    @Override
    public StartMode startMode() {
        return session.startMode();
    }

    @Override
    public long nextCell() {
        return session.nextCell();
    }

    @Override
    public void cellSent(long cell) {
        session.cellSent(cell);
    }

    @Override
    public ExecutionResult.SessionRef cellEnded(ExecutionResult result, KernelEnd end) {
        session.cellEnded(end);
        return session.ref(pod);
    }

    @Override
    public void cellFailed() {
        session.cellAborted(turn);
    }
}
