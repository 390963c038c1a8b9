package dev.codelab.sandbox.session;

import dev.codelab.sandbox.sandbox.StartMode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whose turn it is in a session: pure logic, no sandbox. */
class SessionTurnsTest {

    private final Session session = new Session("s", null, null, StartMode.WARM, Duration.ofHours(1), ended -> {
    });

    @Test
    void aTurnIsTakenOnceUntilItIsFreed() {
        long first = session.claim().orElseThrow();
        assertTrue(session.claim().isEmpty(), "a second cell while one runs");
        session.free(first);
        assertTrue(session.claim().isPresent());
    }

    @Test
    void aCellsEndFreesItsTurnBeforeItsAnswerLeaves() {
        session.claim().orElseThrow();
        session.cellEnded(null, true); // called before Done is emitted, so before the client has the answer
        assertTrue(session.claim().isPresent(), "the next cell, sent the moment the answer arrived, is taken");
    }

    @Test
    void aLateEndOfAnEarlierTurnNeverFreesALaterOne() {
        long first = session.claim().orElseThrow();
        session.cellEnded(null, true);
        OptionalLong second = session.claim();
        session.free(first); // the first cell's stream terminates only now
        assertTrue(session.claim().isEmpty(), "the second cell still has the turn");
        session.free(second.orElseThrow());
        assertTrue(session.claim().isPresent());
    }

    @Test
    void anEndedSessionGivesNoTurn() {
        session.end();
        assertTrue(session.claim().isEmpty());
    }
}
