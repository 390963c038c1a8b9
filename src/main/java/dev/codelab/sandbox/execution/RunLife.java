package dev.codelab.sandbox.execution;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one owner of a cell's life: a single set-once ending, and the program stopped whenever the
 * service ends a cell itself (a single run's kernel is killed; a session's cell is interrupted). A
 * broken protocol always kills. Three clocks, one after the other: the sandbox's to start the cell
 * (writing its input files), the user's (timeoutMs, from the code's start to its end), and the
 * sandbox's again to report (housekeeping: the workspace scan). Only the user's is the user's.
 */
final class RunLife {

    private final AtomicReference<RunEnding> ending = new AtomicReference<>();
    private final Runnable stop;
    private final Runnable killKernel;
    private Cancellable timer;

    RunLife(Runnable stop, Runnable killKernel) {
        this.stop = stop;
        this.killKernel = killKernel;
    }

    /** The cell's message is sent: its code must start within {@code startMs}. */
    synchronized void awaitStart(long startMs) {
        timer = after(startMs, RunEnding.START_LATE);
    }

    /** The cell's code starts: past the timeout the cell ends TIMED_OUT (and the program is stopped). */
    synchronized void codeStarted(long timeoutMs) {
        cancelTimer();
        if (!ended()) {
            timer = after(timeoutMs, RunEnding.TIMED_OUT);
        }
    }

    /** The cell's code is over: its clock stops; the report must follow within {@code reportMs}. */
    synchronized void codeOver(long reportMs) {
        cancelTimer();
        if (!ended()) {
            timer = after(reportMs, RunEnding.REPORT_LATE);
        }
    }

    /** Records why the cell ended, if nothing did before; true when this call decided it. */
    boolean end(RunEnding why) {
        boolean decided = ending.compareAndSet(null, why);
        if (decided && why.killsTheKernel()) {
            killKernel.run();
        } else if (decided && why.stopsTheProgram()) {
            stop.run();
        }
        return decided;
    }

    boolean ended() {
        return ending.get() != null;
    }

    RunEnding ending() {
        return ending.get();
    }

    /** The cell is over and done with: no clock runs on. */
    synchronized void close() {
        cancelTimer();
    }

    private Cancellable after(long millis, RunEnding why) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(millis))
                .subscribe().with(ignored -> end(why));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
