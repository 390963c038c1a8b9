package dev.codelab.sandbox.session;

/**
 * A notebook's stop button within one turn, pure logic: an interrupt asked for before the turn's
 * cell reached its supervisor is held, and goes the moment it does; one asked for after goes at
 * once, to that cell. Each new turn starts with nothing held. Not thread-safe: its session's lock
 * guards it.
 */
final class TurnInterrupt {

    /** The turn's cell whose message is with the supervisor (0 before): an interrupt for it can be sent. */
    private long sentCell;
    /** An interrupt asked for before the turn's cell reached the supervisor: sent when it does. */
    private boolean held;

    /** A new turn: nothing sent, nothing held. */
    void reset() {
        sentCell = 0;
        held = false;
    }

    /** The stop button, while a cell is under way: the cell to interrupt now, or 0 when it is held for later. */
    long ask() {
        if (sentCell == 0) {
            held = true;
        }
        return sentCell;
    }

    /** The turn's cell is with its supervisor: true when an interrupt held for it must go now. */
    boolean sent(long cell) {
        sentCell = cell;
        boolean due = held;
        held = false;
        return due;
    }

    /** Whether the turn's cell has reached its supervisor. */
    boolean cellSent() {
        return sentCell != 0;
    }
}
