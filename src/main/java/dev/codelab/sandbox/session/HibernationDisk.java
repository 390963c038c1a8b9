package dev.codelab.sandbox.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The disk that hibernated sessions' images may take together, across every replica that shares the
 * sessions directory: one ledger file per image (its room, in bytes) under the store's lock. An
 * image's room is reserved before its checkpoint starts (an upper bound: what its sandbox holds in
 * memory, and a margin for the kernel's own state), then settled to what was written; so the
 * images never pass the budget, even while one is being written.
 */
final class HibernationDisk {

    private final long budgetBytes;
    private final SessionStore store;

    HibernationDisk(long budgetBytes, SessionStore store) {
        this.budgetBytes = budgetBytes;
        this.store = store;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    long used() {
        try (Stream<Path> entries = Files.list(store.disk())) {
            return entries.mapToLong(HibernationDisk::bytes).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Reserves room for a session's image; false (nothing reserved) when it does not fit now. */
    boolean reserve(String session, long bytes) {
        return store.locked(() -> {
            if (used() - of(session) + bytes > budgetBytes) {
                return false;
            }
            write(session, bytes);
            return true;
        });
    }

    /** How much more room is needed for {@code bytes}, beyond what is free now. */
    long shortOf(long bytes) {
        return Math.max(0, used() + bytes - budgetBytes);
    }

    /**
     * The image is written: its room becomes its real size. True when that was within the
     * reservation (an image larger than its bound is a wrong bound: the caller says so).
     */
    boolean settle(String session, long bytes) {
        return store.locked(() -> {
            long held = of(session);
            write(session, bytes);
            return bytes <= held;
        });
    }

    long of(String session) {
        return bytes(entry(session));
    }

    void release(String session) {
        entry(session).toFile().delete();
    }

    private Path entry(String session) {
        return store.disk().resolve(session);
    }

    private void write(String session, long bytes) throws IOException {
        Files.writeString(entry(session), Long.toString(bytes));
    }

    private static long bytes(Path entry) {
        try {
            return Long.parseLong(Files.readString(entry).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
