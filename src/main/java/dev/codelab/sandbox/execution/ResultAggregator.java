package dev.codelab.sandbox.execution;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Folds a run's event stream into the single JSON response. */
public final class ResultAggregator {

    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private ExecutionResult done;

    private ResultAggregator() {
    }

    public static Uni<ExecutionResult> aggregate(Multi<ExecutionEvent> events) {
        return events.collect().in(ResultAggregator::new, ResultAggregator::add).map(ResultAggregator::result);
    }

    private void add(ExecutionEvent event) {
        if (event instanceof ExecutionEvent.Output output) {
            (output.stream() == ExecutionEvent.Stream.STDOUT ? stdout : stderr).append(output.text());
        } else if (event instanceof ExecutionEvent.Done end) {
            done = end.result();
        }
    }

    private ExecutionResult result() {
        if (done == null) {
            throw new IllegalStateException("the run ended without a result");
        }
        return done.withOutput(stdout.toString(), stderr.toString());
    }
}
