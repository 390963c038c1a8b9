package dev.codelab.sandbox.session;

/**
 * A session's life as one explicit state machine, pure logic: each event moves it and says what
 * the caller must do. Every turn (a cell, with its resume) is numbered, so a late event of an
 * earlier turn never moves a later one.
 *
 * <pre>
 *   Idle ⇄ Running                       a cell runs on the live kernel
 *   Idle → Hibernating → Hibernated      idle long enough: checkpointed to disk
 *   Hibernating → Idle                   the image would not fit the disk budget: stays live
 *   Hibernated → Resuming → Running      its next cell restores it first
 *   Resuming → Hibernated                the restore failed: the image is kept, the cell refused
 *   Hibernated → Published               handed to the sessions directory: any replica may take it over
 *   * → Ended(reason)                    once, for good
 * </pre>
 *
 * A cell that arrives while its session is being hibernated waits for the checkpoint to finish,
 * then resumes it.
 */
final class SessionMachine {

    enum Phase { IDLE, RUNNING, HIBERNATING, HIBERNATED, RESUMING, PUBLISHED, ENDED }

    /** What a cell's arrival asks of the caller. */
    enum Claim {
        /** Run the cell on the live kernel. */
        RUN,
        /** Restore the hibernated image first ({@link #resumed} or {@link #resumeFailed}), then run. */
        RESUME,
        /** Wait for the checkpoint under way ({@link #hibernating()} turns false), then {@link #resumeAfterCheckpoint}. */
        AWAIT_CHECKPOINT,
        /** Another cell has the turn: 409. */
        BUSY,
        /** The session has ended: 404 with its reason. */
        GONE,
        /** This object was handed to the sessions directory: take the session over from there. */
        ELSEWHERE
    }

    /** What ending the session asks of the caller, by what it held when it ended. */
    enum Teardown {
        /** Kill and release the live kernel. */
        KERNEL,
        /** Kill the kernel a cell is running on; the cell ends with an error. */
        RUNNING_KERNEL,
        /** Delete the image on disk. */
        IMAGE,
        /** A checkpoint or restore is under way: whoever finishes it sees the end and cleans up. */
        LATER,
        /** It had ended before: nothing. */
        NONE
    }

    private Phase phase;
    private EndReason endReason;
    private long turn;
    private boolean claimed;

    /** A session opened here starts idle; one taken over from the sessions directory, hibernated. */
    SessionMachine(Phase initial) {
        if (initial != Phase.IDLE && initial != Phase.HIBERNATED) {
            throw new IllegalArgumentException("a session starts idle or hibernated, not " + initial);
        }
        this.phase = initial;
    }

    Phase phase() {
        return phase;
    }

    EndReason endReason() {
        return endReason;
    }

    /** The turn the last claim took. */
    long turn() {
        return turn;
    }

    Claim claimCell() {
        if (phase == Phase.ENDED) {
            return Claim.GONE;
        }
        if (phase == Phase.PUBLISHED) {
            return Claim.ELSEWHERE;
        }
        if (claimed || phase == Phase.RUNNING || phase == Phase.RESUMING) {
            return Claim.BUSY;
        }
        turn++;
        switch (phase) {
            case IDLE -> {
                phase = Phase.RUNNING;
                return Claim.RUN;
            }
            case HIBERNATED -> {
                phase = Phase.RESUMING;
                return Claim.RESUME;
            }
            default -> {
                claimed = true; // HIBERNATING
                return Claim.AWAIT_CHECKPOINT;
            }
        }
    }

    boolean hibernating() {
        return phase == Phase.HIBERNATING;
    }

    /**
     * The checkpoint a claimed cell waited for is over: RESUME its image, RUN when the session
     * stayed live, or GONE when the checkpoint ended it.
     */
    Claim resumeAfterCheckpoint(long turn) {
        if (turn != this.turn) {
            return Claim.GONE;
        }
        if (phase == Phase.RUNNING) {
            return Claim.RUN;
        }
        if (phase == Phase.HIBERNATED && claimed) {
            claimed = false;
            phase = Phase.RESUMING;
            return Claim.RESUME;
        }
        return Claim.GONE;
    }

    /** A cell has the turn: it runs, or its kernel is being readied for it. */
    boolean cellUnderway() {
        return phase == Phase.RUNNING || phase == Phase.RESUMING || (phase == Phase.HIBERNATING && claimed);
    }

    /** Nobody's turn, and nothing under way: the session may expire, or go to disk. */
    boolean resting() {
        return (phase == Phase.IDLE || phase == Phase.HIBERNATED) && !claimed;
    }

    void resumed(long turn) {
        if (phase == Phase.RESUMING && turn == this.turn) {
            phase = Phase.RUNNING;
        }
    }

    /** The restore failed: the session stays hibernated, its image kept for another try. */
    void resumeFailed(long turn) {
        if (phase == Phase.RESUMING && turn == this.turn) {
            phase = Phase.HIBERNATED;
        }
    }

    /**
     * The turn's cell is over. {@code end} null: the kernel lives on and the session is idle;
     * otherwise it ends for that reason, and the answer says what to tear down.
     */
    Teardown cellEnded(long turn, EndReason end) {
        if (phase != Phase.RUNNING || turn != this.turn) {
            return Teardown.NONE;
        }
        if (end == null) {
            phase = Phase.IDLE;
            return Teardown.NONE;
        }
        return end(end);
    }

    /**
     * The turn's cell failed before it could end (a fault of the service's): the kernel's state is
     * unknown, so the session ends. A turn that already ended, or never ran, is left alone.
     */
    Teardown cellAborted(long turn) {
        return phase == Phase.RUNNING && turn == this.turn ? end(EndReason.SANDBOX_FAILED) : Teardown.NONE;
    }

    /** An idle session starts going to disk; false when it is not idle (a cell came first). */
    boolean startHibernating() {
        if (phase != Phase.IDLE) {
            return false;
        }
        phase = Phase.HIBERNATING;
        return true;
    }

    void hibernated() {
        if (phase == Phase.HIBERNATING) {
            phase = Phase.HIBERNATED;
        }
    }

    /** Its image would not fit the disk budget: it stays live (a waiting cell then runs on it). */
    void hibernationDeclined() {
        if (phase == Phase.HIBERNATING) {
            phase = claimed ? Phase.RUNNING : Phase.IDLE;
            claimed = false;
        }
    }

    /** A hibernated session nobody waits for goes to the sessions directory; false when it may not. */
    boolean publish() {
        if (phase != Phase.HIBERNATED || claimed) {
            return false;
        }
        phase = Phase.PUBLISHED;
        return true;
    }

    /** Ends the session once; says what the caller must tear down. */
    Teardown end(EndReason reason) {
        Teardown teardown = switch (phase) {
            case IDLE -> Teardown.KERNEL;
            case RUNNING -> Teardown.RUNNING_KERNEL;
            case HIBERNATED -> Teardown.IMAGE;
            case HIBERNATING, RESUMING -> Teardown.LATER;
            case PUBLISHED, ENDED -> Teardown.NONE;
        };
        if (phase != Phase.ENDED && phase != Phase.PUBLISHED) {
            phase = Phase.ENDED;
            endReason = reason;
            claimed = false;
        }
        return teardown;
    }
}
