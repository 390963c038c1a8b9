package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.sandbox.SecurityEvents;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SecurityTallyTest {

    @Test
    void countsStopAtTheCapAndDropsAddUp() {
        SecurityTally tally = new SecurityTally(3);
        for (int i = 0; i < 10; i++) {
            tally.network();
            tally.refused("kill:EPERM");
        }
        tally.sandboxDropped(40);
        tally.sandboxDropped(-1); // a message without a header changes nothing
        tally.malformed();
        SecurityEvents seen = tally.snapshot();
        assertEquals(3, seen.network());
        assertEquals(Map.of("kill:EPERM", 3), seen.refusedSyscalls());
        assertEquals(41, seen.droppedEvents());
    }

    @Test
    void takingStartsTheCountsAgainForTheNextRun() {
        SecurityTally tally = new SecurityTally(3);
        tally.exec();
        tally.refused("kill:EPERM");
        tally.sandboxDropped(10);
        SecurityEvents first = tally.take();
        assertEquals(1, first.exec());
        assertEquals(10, first.droppedEvents());
        tally.network();
        tally.sandboxDropped(12); // the sandbox's count runs on: 2 more since the last take
        SecurityEvents second = tally.take();
        assertEquals(0, second.exec());
        assertEquals(1, second.network());
        assertEquals(Map.of(), second.refusedSyscalls());
        assertEquals(2, second.droppedEvents());
        assertEquals(0, tally.take().total());
        tally.sandboxDropped(0xFFFF_FFFFL);
        tally.take();
        tally.sandboxDropped(1); // the u32 wrapped
        assertEquals(2, tally.take().droppedEvents());
    }
}
