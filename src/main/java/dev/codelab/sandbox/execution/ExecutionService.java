package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.sandbox.SandboxConfig;
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
 * aggregate this stream; SSE and NDJSON forward it. Cancelling the stream stops the cell (a run's
 * sandbox is killed). A run's stream completes only once its sandbox is gone, after its Done.
 */
@ApplicationScoped
public class ExecutionService {

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);
    private static final long EXIT_GRACE_MS = 2_000;

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

    /** Events of one run: a fresh kernel with one cell. Blocking sandbox I/O runs on a worker thread, never the event loop. */
    public Multi<ExecutionEvent> execute(ExecutionPlan plan) {
        String id = UUID.randomUUID().toString();
        return Multi.createFrom().<ExecutionEvent>emitter(emitter -> run(id, plan, emitter))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Events of one cell of a session, on the session's kernel: the same pipeline, the kernel kept. */
    public Multi<ExecutionEvent> executeCell(SessionKernel session) {
        String id = UUID.randomUUID().toString();
        return Multi.createFrom().<ExecutionEvent>emitter(emitter -> {
            ExecutionPlan plan;
            try {
                plan = session.ready();
            } catch (RuntimeException e) {
                emitter.fail(e);
                return;
            }
            long cell = session.nextCell();
            KernelCell.Owner owner = new KernelCell.Owner() {
                @Override
                public ExecutionResult.SessionRef ended(ExecutionResult result, KernelEnd end) {
                    return session.cellEnded(result, end);
                }

                @Override
                public void sent() {
                    session.cellSent(cell);
                }
            };
            KernelCell kernelCell = new KernelCell(id, cell, plan, session.kernel(), session.startMode(), true,
                    config.output(), checks, emitter, finishedEvents::fire, owner, new RunTimeline());
            if (drive(id, kernelCell, message(cell, plan, true), emitter)) {
                emitter.complete();
            } else {
                session.cellFailed();
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void run(String id, ExecutionPlan plan, MultiEmitter<? super ExecutionEvent> emitter) {
        RunTimeline timeline = new RunTimeline();
        AcquiredSandbox acquired;
        try {
            acquired = supply.acquire(id, plan.runtime(), plan.profile(), plan.limits());
            timeline.mark("acquired");
        } catch (IOException e) {
            LOG.errorf("run %s: the sandbox did not start: %s", id, e.getMessage());
            emitter.fail(new SandboxUnavailableException("the sandbox could not be started"));
            return;
        }
        boolean ran = false;
        try {
            KernelCell cell = new KernelCell(id, 1, plan, acquired.sandbox(), acquired.mode(), false, config.output(),
                    checks, emitter, finishedEvents::fire, (result, end) -> null, timeline);
            ran = drive(id, cell, message(1, plan, false), emitter);
            acquired.sandbox().awaitExit(EXIT_GRACE_MS); // the run holds its slot until its sandbox is gone
            timeline.mark("exited");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            supply.release(acquired);
            timeline.log(id);
        }
        if (ran) {
            emitter.complete();
        }
    }

    /** Runs the cell; false when the stream failed (only on the service's own faults, never the program's). */
    private boolean drive(String id, KernelCell cell, byte[] message, MultiEmitter<? super ExecutionEvent> emitter) {
        metrics.started();
        try {
            cell.run(message);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            emitter.fail(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed", id);
            emitter.fail(e);
        } finally {
            metrics.ended();
        }
        return false;
    }

    private byte[] message(long cell, ExecutionPlan plan, boolean keep) {
        try {
            return json.writeValueAsBytes(CellMessage.of(cell, plan, config.output(), sandboxConfig.openFiles(),
                    sandboxConfig.maxFrameBytes(), keep));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a cell message that cannot be written", e);
        }
    }
}
