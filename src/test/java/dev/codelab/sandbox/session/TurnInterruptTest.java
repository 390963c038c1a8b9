package dev.codelab.sandbox.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TurnInterruptTest {

    @Test
    void anInterruptAskedBeforeTheCellReachedItsSupervisorIsHeldAndGoesWhenItDoes() {
        TurnInterrupt turn = new TurnInterrupt();
        assertEquals(0, turn.ask(), "nothing to interrupt yet: held");
        assertTrue(turn.sent(7), "the held interrupt goes with the cell");
        assertFalse(turn.sent(7), "once");
    }

    @Test
    void anInterruptAskedOnceTheCellIsWithItsSupervisorGoesAtOnceToThatCell() {
        TurnInterrupt turn = new TurnInterrupt();
        assertFalse(turn.sent(3), "nothing was asked");
        assertTrue(turn.cellSent());
        assertEquals(3, turn.ask());
        assertEquals(3, turn.ask(), "a second press goes too");
    }

    @Test
    void aNewTurnForgetsWhatTheLastOneHeld() {
        TurnInterrupt turn = new TurnInterrupt();
        turn.ask();
        turn.reset();
        assertFalse(turn.cellSent());
        assertFalse(turn.sent(4), "the last turn's press does not stop the next cell");
    }
}
