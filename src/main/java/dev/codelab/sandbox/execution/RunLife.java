package dev.codelab.sandbox.execution;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one owner of a run's life: a single set-once ending, and the sandbox killed whenever the
 * service ends a run itself. The timer is held until the sandbox is gone, so no run outlives it.
 */
final class RunLife {

    private final AtomicReference<RunEnding> ending = new AtomicReference<>();
    private final Runnable killSandbox;
    private Cancellable timer;

    RunLife(Runnable killSandbox) {
        this.killSandbox = killSandbox;
    }

    /** Starts the run's clock: past the timeout the run ends TIMED_OUT, and a lingering sandbox is killed. */
    void startTimer(long timeoutMs) {
        timer = Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(timeoutMs))
                .subscribe().with(ignored -> {
                    end(RunEnding.TIMED_OUT);
                    killSandbox.run();
                });
    }

    /** Records why the run ended, if nothing did before; true when this call decided it. */
    boolean end(RunEnding why) {
        boolean decided = ending.compareAndSet(null, why);
        if (decided && why.killsTheSandbox()) {
            killSandbox.run();
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
