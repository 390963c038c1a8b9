package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.Sandboxes;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The open sessions: each one sandbox kept across cells, hibernated to disk when idle, resumed by
 * its next cell, ended when idle too long, too old, deleted, or at shutdown. A cell runs through
 * the one execution pipeline ({@link ExecutionService#executeCell}).
 */
@ApplicationScoped
public class Sessions {

    private static final Logger LOG = Logger.getLogger(Sessions.class);

    private final SessionConfig config;
    private final SandboxSupply supply;
    private final Sandboxes sandboxes;
    private final ExecutionService executions;
    private final SessionMemory memory;
    private final Map<String, Session> open = new ConcurrentHashMap<>();
    private final Timer hibernations;
    private final Timer resumptions;

    Sessions(SessionConfig config, SandboxSupply supply, Sandboxes sandboxes, ExecutionService executions,
             SessionMemory memory, MeterRegistry registry) {
        this.memory = memory;
        this.config = config;
        this.supply = supply;
        this.sandboxes = sandboxes;
        this.executions = executions;
        for (SessionState state : new SessionState[] {SessionState.ACTIVE, SessionState.HIBERNATED}) {
            registry.gauge("codelab_sessions", io.micrometer.core.instrument.Tags.of("state", state.value()), open,
                    sessions -> sessions.values().stream().filter(session -> session.state() == state).count());
        }
        this.hibernations = Timer.builder("codelab_session_hibernate_seconds").register(registry);
        this.resumptions = Timer.builder("codelab_session_resume_seconds").register(registry);
    }

    /** A new session with its own sandbox, restored from the warm image like an execution's. */
    public SessionView create(SessionSpec spec) {
        long mine = open.values().stream().filter(session -> session.belongsTo(spec.tenant())).count();
        if (mine >= config.maxPerKey()) {
            throw new SessionLimitException("this API key holds " + mine + " open sessions, the most it may;"
                    + " delete one or let one expire");
        }
        if (open.size() >= config.maxOpen()) {
            throw new SessionLimitException("the service holds as many sessions as it may; try again later");
        }
        String id = UUID.randomUUID().toString();
        Runnable held = memory.hold(spec.tenant(), spec.limits().memoryMb());
        AcquiredSandbox acquired;
        try {
            acquired = supply.acquire(id, spec.runtime(), spec.limits());
        } catch (IOException e) {
            held.run();
            LOG.errorf("session %s: the sandbox did not start: %s", id, e.getMessage());
            throw new SandboxUnavailableException("the sandbox could not be started");
        }
        Session session = new Session(id, spec, acquired.sandbox(), acquired.mode(), config.maxLifetime(), this::ended);
        session.holding(held);
        open.put(id, session);
        return session.view();
    }

    public SessionView view(String id, Tenant tenant) {
        return find(id, tenant).view();
    }

    /** Ends the session now: its sandbox is gone when this returns. */
    public void delete(String id, Tenant tenant) {
        find(id, tenant).end();
    }

    /** One cell's events; 409 while another runs. A hibernated session is restored first. */
    public Multi<ExecutionEvent> cell(String id, Tenant tenant, ExecutionPlan cell) {
        Session session = find(id, tenant);
        long turn = session.claim().orElseThrow(() -> new SessionBusyException(id));
        return Multi.createFrom().deferred(() -> {
            resumeIfHibernated(session);
            return executions.executeCell(session.cellPlan(cell), session);
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) // a resume blocks: never on the event loop
                .onTermination().invoke(() -> session.free(turn)); // if the cell did not end it (an error)
    }

    /** Every few seconds: sessions past their time end; idle ones go to disk. */
    @Scheduled(every = "${codelab.session.tend-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tend() {
        Instant now = Instant.now();
        for (Session session : open.values()) {
            if (session.expired(now)) {
                LOG.debugf("session %s expired", session.id());
                session.end();
            } else if (config.hibernate() && session.idleFor(config.hibernateAfter(), now)) {
                session.claim().ifPresent(turn -> {
                    try {
                        hibernate(session);
                    } finally {
                        session.free(turn);
                    }
                });
            }
        }
    }

    private void hibernate(Session session) {
        Sandbox sandbox = session.hibernating();
        if (sandbox == null) {
            return;
        }
        makeRoomOnDisk();
        long start = System.nanoTime();
        try {
            session.hibernatedAs(sandboxes.hibernate(sandbox, imageDir(session)));
            session.releaseMemory(); // a hibernated session holds disk, not memory
            hibernations.record(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            LOG.warnf("session %s could not hibernate (%s); it ends", session.id(), e.getMessage());
            session.end();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.end();
        }
    }

    private void resumeIfHibernated(Session session) {
        if (session.state() != SessionState.HIBERNATED) {
            return;
        }
        long start = System.nanoTime();
        session.holding(memory.hold(session.spec().tenant(), session.spec().limits().memoryMb())); // or 429: it stays hibernated
        try {
            Sandbox restored = sandboxes.resume(session.hibernated());
            if (!restored.applyLimits(session.spec().limits(), sandboxes.sentryOverheadMb())) {
                sandboxes.release(restored);
                throw new IOException("the restored sandbox cannot take the session's limits");
            }
            session.resumedAs(restored);
            resumptions.record(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            LOG.warnf("session %s could not be resumed (%s); it ends", session.id(), e.getMessage());
            session.end();
            throw new SandboxUnavailableException("the session's sandbox could not be restored; the session ended");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.end();
            throw new SandboxUnavailableException("the service is shutting down");
        }
    }

    /** The oldest hibernated sessions end while the images on disk would pass their budget. */
    private void makeRoomOnDisk() {
        long budget = config.hibernationDiskMb() * 1024L * 1024L;
        while (imagesBytes() > budget * 9 / 10) {
            Session oldest = open.values().stream().filter(session -> session.state() == SessionState.HIBERNATED)
                    .min(Comparator.comparing(Session::lastUsedAt)).orElse(null);
            if (oldest == null) {
                return;
            }
            LOG.infof("session %s evicted: hibernated images are over %d MiB", oldest.id(), config.hibernationDiskMb());
            oldest.end();
        }
    }

    private long imagesBytes() {
        try (Stream<Path> files = Files.walk(sessionImages())) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private void ended(Session session) {
        open.remove(session.id());
        session.releaseMemory();
        Sandbox sandbox = session.takeSandbox();
        if (sandbox != null) {
            sandbox.kill();
            sandboxes.release(sandbox);
        }
        sandboxes.removeImage(imageDir(session));
    }

    private Session find(String id, Tenant tenant) {
        Session session = id == null ? null : open.get(id);
        if (session == null || !session.belongsTo(tenant)) {
            throw new SessionNotFoundException(id);
        }
        return session;
    }

    private Path sessionImages() {
        return sandboxes.imagesDir().resolve("sessions");
    }

    private Path imageDir(Session session) {
        return sessionImages().resolve(session.id());
    }

    /** Before the pool and the sandboxes shut down: running cells may finish, then every session ends. */
    void onShutdown(@Observes @Priority(5) ShutdownEvent event) throws InterruptedException {
        for (Session session : open.values()) {
            for (int wait = 0; wait < 600 && session.claim().isEmpty(); wait++) {
                Thread.sleep(500); // a running cell finishes, within its own timeout
            }
            session.end();
        }
    }
}
