package dev.codelab.sandbox.session;

import java.util.HashMap;
import java.util.Map;

/**
 * The disk that hibernated sessions' images may take together. An image's size is reserved before
 * its checkpoint starts (an upper bound: what its sandbox holds in memory, and a margin for the
 * kernel's own state), then settled to what was written; so the images never pass the budget,
 * even while one is being written. Pure bookkeeping, under its own lock.
 */
final class HibernationDisk {

    private final long budgetBytes;
    private final Map<String, Long> reserved = new HashMap<>();
    private long used;

    HibernationDisk(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    synchronized long used() {
        return used;
    }

    /** Reserves room for a session's image; false (nothing reserved) when it does not fit now. */
    synchronized boolean reserve(String session, long bytes) {
        release(session);
        if (used + bytes > budgetBytes) {
            return false;
        }
        reserved.put(session, bytes);
        used += bytes;
        return true;
    }

    /** How much more room is needed for {@code bytes}, beyond what is free now. */
    synchronized long shortOf(long bytes) {
        return Math.max(0, used + bytes - budgetBytes);
    }

    /**
     * The image is written: its reservation becomes its real size. True when that was within the
     * reservation (an image larger than its bound is a wrong bound: the caller says so).
     */
    synchronized boolean settle(String session, long bytes) {
        Long held = reserved.get(session);
        if (held == null) {
            return true;
        }
        reserved.put(session, bytes);
        used += bytes - held;
        return bytes <= held;
    }

    synchronized long of(String session) {
        return reserved.getOrDefault(session, 0L);
    }

    synchronized void release(String session) {
        Long held = reserved.remove(session);
        if (held != null) {
            used -= held;
        }
    }
}
