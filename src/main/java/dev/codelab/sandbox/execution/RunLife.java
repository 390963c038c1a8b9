package dev.codelab.sandbox.execution;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one owner of a run's life: a single set-once ending, and the program stopped whenever the
 * service ends a run itself (a single run's sandbox is killed; a cell is interrupted). A broken
 * protocol always kills. The timer is held until the run lets go of its sandbox.
 */
final class RunLife {

    private final AtomicReference<RunEnding> ending = new AtomicReference<>();
    private final Runnable stop;
    private final Runnable killSandbox;
    private Cancellable timer;

    RunLife(Runnable stop, Runnable killSandbox) {
        this.stop = stop;
        this.killSandbox = killSandbox;
    }

    /** Starts the run's clock: past the timeout the run ends TIMED_OUT (and the program is stopped). */
    void startTimer(long timeoutMs) {
        timer = Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(timeoutMs))
                .subscribe().with(ignored -> end(RunEnding.TIMED_OUT));
    }

    /** Records why the run ended, if nothing did before; true when this call decided it. */
    boolean end(RunEnding why) {
        boolean decided = ending.compareAndSet(null, why);
        if (decided && why == RunEnding.PROTOCOL_ERROR) {
            killSandbox.run();
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

    /** The sandbox is gone: the clock stops. */
    void close() {
        if (timer != null) {
            timer.cancel();
        }
    }
}
