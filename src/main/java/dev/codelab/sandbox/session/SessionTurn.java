package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.KernelEnd;
import dev.codelab.sandbox.execution.SessionKernel;
import dev.codelab.sandbox.sandbox.Kernel;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.session.SessionMachine.Claim;

/**
 * One cell's turn in a session, as the execution pipeline sees it: it readies the kernel (waits
 * for a checkpoint under way, resumes a hibernated one), lends it to the cell, and hands the
 * cell's end back to the session.
 */
final class SessionTurn implements SessionKernel {

    /** How a hibernated session's kernel comes back: Sessions' job (admission, disk, sandboxes). */
    interface Resumer {
        void resume(Session session, long turn);
    }

    private final Session session;
    private final long turn;
    private final Claim claim;
    private final Resumer resumer;
    private final String pod;

    SessionTurn(Session session, long turn, Claim claim, Resumer resumer, String pod) {
        this.session = session;
        this.turn = turn;
        this.claim = claim;
        this.resumer = resumer;
        this.pod = pod;
    }

    @Override
    public void ready() {
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
