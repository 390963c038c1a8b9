package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;

/**
 * What one request asks of admission, the one gate every run, session and cell passes: an execution
 * slot, memory for a sandbox, room for its answer, and whether it counts toward its key's rate,
 * concurrency and abuse throttling.
 *
 * @param memoryMb    a sandbox's memoryMb (its overhead is added); 0 when it needs no sandbox memory
 * @param answerBytes what its input and answer may hold of the service's memory until the answer is written
 */
public record Ticket(Tenant tenant, Kind kind, int memoryMb, long answerBytes) {

    public enum Kind {
        /** A single execution: a slot, its sandbox's memory, its answer. */
        RUN(true, true),
        /** A session's cell: a slot and its answer; the session holds the memory. */
        CELL(true, true),
        /** A session opening: its sandbox's memory, for as long as it is live. */
        SESSION(false, true),
        /** A hibernated session's memory again, for the cell that has its turn (already counted). */
        RESUME(false, false);

        private final boolean slot;
        private final boolean counted;

        Kind(boolean slot, boolean counted) {
            this.slot = slot;
            this.counted = counted;
        }

        /** Takes one of the execution slots (max-running), and counts toward the key's maxConcurrent. */
        public boolean slot() {
            return slot;
        }

        /** Counts toward the key's rate, and is refused while the key is throttled for abuse. */
        public boolean counted() {
            return counted;
        }
    }

    public static Ticket run(Tenant tenant, int memoryMb, long answerBytes) {
        return new Ticket(tenant, Kind.RUN, memoryMb, answerBytes);
    }

    public static Ticket cell(Tenant tenant, long answerBytes) {
        return new Ticket(tenant, Kind.CELL, 0, answerBytes);
    }

    public static Ticket session(Tenant tenant, int memoryMb) {
        return new Ticket(tenant, Kind.SESSION, memoryMb, 0);
    }

    public static Ticket resume(Tenant tenant, int memoryMb) {
        return new Ticket(tenant, Kind.RESUME, memoryMb, 0);
    }
}
