package dev.codelab.sandbox.execution;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Folds a run's event stream into the single JSON response (stdout, stderr, and the ordered
 * outputs), answered at Done: the stream itself
 * goes on until the sandbox is gone (and the admission slot is held until then).
 */
public final class ResultAggregator {

    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private final CellOutputs outputs = new CellOutputs();

    private ResultAggregator() {
    }

    public static Uni<ExecutionResult> aggregate(Multi<ExecutionEvent> events) {
        ResultAggregator aggregator = new ResultAggregator();
        AtomicBoolean answered = new AtomicBoolean();
        return Uni.createFrom().emitter(answer -> {
            Cancellable subscription = events.subscribe().with(event -> {
                aggregator.outputs.add(event);
                if (event instanceof ExecutionEvent.Output output) {
                    (output.stream() == ExecutionEvent.Stream.STDOUT ? aggregator.stdout : aggregator.stderr)
                            .append(output.text());
                } else if (event instanceof ExecutionEvent.Done done) {
                    answered.set(true);
                    answer.complete(done.result().withOutput(aggregator.stdout.toString(), aggregator.stderr.toString(),
                            aggregator.outputs.outputs()));
                }
            }, answer::fail, () -> answer.fail(new IllegalStateException("the run ended without a result")));
            answer.onTermination(() -> {
                if (!answered.get()) {
                    subscription.cancel(); // the client left before Done: end the run
                }
            });
        });
    }
}
