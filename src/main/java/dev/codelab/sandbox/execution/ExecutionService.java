package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.DaemonThreads;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one pipeline: a plan becomes a stream of events from a fresh sandbox. JSON responses
 * aggregate this stream; SSE and NDJSON forward it. Cancelling the stream kills the sandbox.
 */
@ApplicationScoped
public class ExecutionService {

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);

    private final SandboxSupply supply;
    private final ExecutionConfig config;
    private final SandboxConfig sandboxConfig;
    private final ObjectMapper json;
    private final RunningExecutions metrics;
    private final Event<ExecutionFinished> finishedEvents;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("execution-timeouts"));

    ExecutionService(SandboxSupply supply, ExecutionConfig config, SandboxConfig sandboxConfig, ObjectMapper json,
                     RunningExecutions metrics, Event<ExecutionFinished> finishedEvents) {
        this.finishedEvents = finishedEvents;
        this.supply = supply;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.json = json;
        this.metrics = metrics;
    }

    /** Events of one run; blocking sandbox I/O runs on a worker thread, never the event loop. */
    public Multi<ExecutionEvent> execute(ExecutionPlan plan) {
        String id = UUID.randomUUID().toString();
        return Multi.createFrom().<ExecutionEvent>emitter(emitter -> run(id, plan, emitter))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void run(String id, ExecutionPlan plan, MultiEmitter<? super ExecutionEvent> emitter) {
        byte[] request;
        AcquiredSandbox acquired;
        try {
            request = json.writeValueAsBytes(RunnerRequest.of(plan, config.output(), sandboxConfig.openFiles()));
            acquired = supply.acquire(id, plan.runtime(), plan.limits());
        } catch (JsonProcessingException e) {
            emitter.fail(e);
            return;
        } catch (IOException e) {
            LOG.errorf("run %s: the sandbox did not start: %s", id, e.getMessage());
            emitter.fail(new SandboxUnavailableException("the sandbox could not be started"));
            return;
        }
        Sandbox sandbox = acquired.sandbox();
        Instant startedAt = Instant.now();
        long startNanos = System.nanoTime();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean timedOut = new AtomicBoolean();
        emitter.onTermination(() -> {
            if (!finished.get()) {
                sandbox.kill();
            }
        });
        if (emitter.isCancelled()) {
            sandbox.kill(); // the client left while the sandbox was starting
        }
        ScheduledFuture<?> timer = timers.schedule(() -> {
            timedOut.set(true);
            sandbox.kill();
        }, plan.limits().timeoutMs(), TimeUnit.MILLISECONDS);
        metrics.started();
        try {
            emitter.emit(new ExecutionEvent.Started(id));
            ExecutionResult result = new ExecutionRun(id, plan, config.output(), json, emitter)
                    .drive(sandbox, acquired.mode(), request, startedAt, startNanos, timedOut::get);
            finished.set(true);
            finishedEvents.fire(new ExecutionFinished(plan, result));
            emitter.emit(new ExecutionEvent.Done(result));
            emitter.complete();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            emitter.fail(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed", id);
            emitter.fail(e);
        } finally {
            timer.cancel(false);
            metrics.ended();
            supply.release(acquired);
        }
    }
}
