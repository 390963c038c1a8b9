package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.sandbox.StartMode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.UUID;

/**
 * The one pipeline: a plan becomes a stream of events from a fresh sandbox. JSON responses
 * aggregate this stream; SSE and NDJSON forward it. Cancelling the stream kills the sandbox. The
 * stream completes only once the sandbox is gone, after its Done.
 */
@ApplicationScoped
public class ExecutionService {

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);

    private final SandboxSupply supply;
    private final ExecutionConfig config;
    private final SandboxConfig sandboxConfig;
    private final ObjectMapper json;
    private final SandboxOutput checks;
    private final RunningExecutions metrics;
    private final Event<ExecutionFinished> finishedEvents;

    ExecutionService(SandboxSupply supply, ExecutionConfig config, SandboxConfig sandboxConfig, ObjectMapper json,
                     RunningExecutions metrics, Event<ExecutionFinished> finishedEvents) {
        this.supply = supply;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.json = json;
        this.checks = new SandboxOutput(json, config.output());
        this.metrics = metrics;
        this.finishedEvents = finishedEvents;
    }

    /** Events of one run; blocking sandbox I/O runs on a worker thread, never the event loop. */
    public Multi<ExecutionEvent> execute(ExecutionPlan plan) {
        String id = UUID.randomUUID().toString();
        return Multi.createFrom().<ExecutionEvent>emitter(emitter -> run(id, plan, emitter))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Events of one cell of a session, on the session's sandbox: the same pipeline, the sandbox kept. */
    public Multi<ExecutionEvent> executeCell(ExecutionPlan plan, SessionSeat seat) {
        String id = UUID.randomUUID().toString();
        return Multi.createFrom().<ExecutionEvent>emitter(emitter -> {
            try {
                drive(id, plan, seat.sandbox(), seat.startMode(), request(plan, true), emitter, seat, new RunTimeline());
            } catch (JsonProcessingException e) {
                emitter.fail(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void run(String id, ExecutionPlan plan, MultiEmitter<? super ExecutionEvent> emitter) {
        RunTimeline timeline = new RunTimeline();
        byte[] request;
        AcquiredSandbox acquired;
        try {
            request = request(plan, false);
            acquired = supply.acquire(id, plan.runtime(), plan.limits());
            timeline.mark("acquired");
        } catch (JsonProcessingException e) {
            emitter.fail(e);
            return;
        } catch (IOException e) {
            LOG.errorf("run %s: the sandbox did not start: %s", id, e.getMessage());
            emitter.fail(new SandboxUnavailableException("the sandbox could not be started"));
            return;
        }
        try {
            drive(id, plan, acquired.sandbox(), acquired.mode(), request, emitter, null, timeline);
        } finally {
            supply.release(acquired);
        }
    }

    private void drive(String id, ExecutionPlan plan, Sandbox sandbox, StartMode mode, byte[] request,
                       MultiEmitter<? super ExecutionEvent> emitter, SessionSeat seat, RunTimeline timeline) {
        metrics.started();
        try {
            new ExecutionRun(id, plan, sandbox, mode, config.output(), checks, emitter, finishedEvents::fire, seat,
                    timeline).run(request);
            emitter.complete();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            emitter.fail(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed", id);
            emitter.fail(e);
        } finally {
            metrics.ended();
            timeline.log(id);
        }
    }

    private byte[] request(ExecutionPlan plan, boolean cell) throws JsonProcessingException {
        return json.writeValueAsBytes(RunnerRequest.of(plan, config.output(), sandboxConfig.openFiles(),
                sandboxConfig.maxFrameBytes(), cell));
    }
}
