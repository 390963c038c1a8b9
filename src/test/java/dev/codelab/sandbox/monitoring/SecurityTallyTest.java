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
}
