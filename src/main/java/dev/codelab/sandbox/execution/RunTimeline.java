package dev.codelab.sandbox.execution;

import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * When each step of one run happened, as one debug line: where a run's time goes (make bench
 * reads it, with the client's and the program's own clock beside it). Marks are milliseconds
 * since the run asked for its sandbox (at: epoch microseconds); only the first few of a run with many frames are kept.
 * Nothing is kept unless the line is logged.
 */
final class RunTimeline {

    private static final Logger LOG = Logger.getLogger(RunTimeline.class);
    private static final int MARKS = 24;

    private final long startMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    private final long startNanos = System.nanoTime();
    private final StringBuilder marks = LOG.isDebugEnabled() ? new StringBuilder() : null;
    private int count;

    /** Notes that {@code step} happened now. */
    synchronized void mark(String step) {
        if (marks != null && count++ < MARKS) {
            long micros = (System.nanoTime() - startNanos) / 1000;
            marks.append(' ').append(step).append('=').append(micros / 1000).append('.').append(micros / 100 % 10);
        }
    }

    synchronized void log(String runId) {
        if (marks != null) {
            LOG.debugf("run %s timeline: at=%d%s", runId, startMicros, marks);
        }
    }
}
