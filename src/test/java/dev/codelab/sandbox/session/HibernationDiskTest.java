package dev.codelab.sandbox.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hibernation disk budget is never passed: room is reserved before a checkpoint starts (issue 18 row 2). */
class HibernationDiskTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void twoSessionsOfTwoGibibytesDoNotBothFitThreeGibibytes() {
        HibernationDisk disk = new HibernationDisk(3072 * MIB);
        assertTrue(disk.reserve("a", 2100 * MIB));
        assertFalse(disk.reserve("b", 2100 * MIB), "the second image would pass the budget: it is not written");
        assertEquals(2100 * MIB, disk.used());
        assertEquals(1128 * MIB, disk.shortOf(2100 * MIB));
    }

    @Test
    void aWrittenImageSettlesToItsSizeAndARemovedOneFreesItsRoom() {
        HibernationDisk disk = new HibernationDisk(3072 * MIB);
        disk.reserve("a", 2100 * MIB);
        assertTrue(disk.settle("a", 2010 * MIB));
        assertEquals(2010 * MIB, disk.used());
        assertFalse(disk.settle("a", 2200 * MIB), "an image past its bound is reported");
        assertEquals(2200 * MIB, disk.used(), "and counted as it is");
        disk.release("a");
        assertEquals(0, disk.used());
        disk.release("a");
        assertEquals(0, disk.used(), "releasing twice frees nothing more");
    }
}
