package dev.codelab.sandbox.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hibernation disk budget is never passed: room is reserved before a checkpoint starts (issue 18
 * row 2), in a ledger every replica sharing the sessions directory keeps (issue 20).
 */
class HibernationDiskTest {

    private static final long MIB = 1024 * 1024;

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    private HibernationDisk disk(long budget) {
        return new HibernationDisk(budget, new SessionStore(dir, "replica-a", new com.fasterxml.jackson.databind.ObjectMapper()));
    }

    @Test
    void replicasSharingTheDirectoryShareTheBudget() {
        HibernationDisk a = disk(3072 * MIB);
        HibernationDisk b = new HibernationDisk(3072 * MIB,
                new SessionStore(dir, "replica-b", new com.fasterxml.jackson.databind.ObjectMapper()));
        assertTrue(a.reserve("s1", 2000 * MIB));
        assertFalse(b.reserve("s2", 2000 * MIB), "the other replica's image counts");
        assertTrue(b.reserve("s2", 1000 * MIB));
        assertEquals(3000 * MIB, a.used());
    }

    @Test
    void twoSessionsOfTwoGibibytesDoNotBothFitThreeGibibytes() {
        HibernationDisk disk = disk(3072 * MIB);
        assertTrue(disk.reserve("a", 2100 * MIB));
        assertFalse(disk.reserve("b", 2100 * MIB), "the second image would pass the budget: it is not written");
        assertEquals(2100 * MIB, disk.used());
        assertEquals(1128 * MIB, disk.shortOf(2100 * MIB));
    }

    @Test
    void aWrittenImageSettlesToItsSizeAndARemovedOneFreesItsRoom() {
        HibernationDisk disk = disk(3072 * MIB);
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
