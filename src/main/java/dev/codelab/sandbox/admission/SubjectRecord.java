package dev.codelab.sandbox.admission;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the abuse window remembers of one subject: the times of its recent limit hits and probing
 * runs (for throttling), whether it is throttled, and its activity (runs, limit hits, security
 * events, CPU) in slices of the window, so that what is older than the window drops out exactly
 * slice by slice. Its size does not grow with its activity. Guarded by its own monitor.
 */
final class SubjectRecord {

    static final int SLICES = 5;

    private final long sliceNanos;
    final Deque<Long> hits = new ArrayDeque<>();
    final Deque<Long> probes = new ArrayDeque<>();
    long throttledUntilNanos;
    String reason;
    private final long[] runs = new long[SLICES];
    private final long[] limitHits = new long[SLICES];
    private final long[] events = new long[SLICES];
    private final long[] cpuMs = new long[SLICES];
    private long lastSlice;

    SubjectRecord(long windowNanos, long now) {
        this.sliceNanos = Math.max(1, windowNanos / SLICES);
        this.lastSlice = Math.floorDiv(now, sliceNanos);
    }

    synchronized void ran(long now, boolean limitHit, long securityEvents, long cpu) {
        int at = advance(now);
        runs[at]++;
        limitHits[at] += limitHit ? 1 : 0;
        events[at] += securityEvents;
        cpuMs[at] += cpu;
    }

    synchronized AbuseReport.Activity activity(long now) {
        advance(now);
        long r = 0, h = 0, e = 0, c = 0;
        for (int i = 0; i < SLICES; i++) {
            r += runs[i];
            h += limitHits[i];
            e += events[i];
            c += cpuMs[i];
        }
        return new AbuseReport.Activity(r, h, e, c);
    }

    synchronized boolean throttled(long now) {
        return throttledUntilNanos - now > 0;
    }

    /** Nothing in the window and not throttled: forgetting it loses nothing. */
    synchronized boolean idle(long now) {
        return !throttled(now) && activity(now).runs() == 0;
    }

    /** The slice {@code now} falls in, with the slices that left the window since the last call emptied. */
    private int advance(long now) {
        long slice = Math.floorDiv(now, sliceNanos);
        for (long s = Math.max(lastSlice + 1, slice - SLICES + 1); s <= slice; s++) {
            int i = (int) Math.floorMod(s, (long) SLICES);
            runs[i] = 0;
            limitHits[i] = 0;
            events[i] = 0;
            cpuMs[i] = 0;
        }
        lastSlice = Math.max(lastSlice, slice);
        return (int) Math.floorMod(slice, (long) SLICES);
    }
}
