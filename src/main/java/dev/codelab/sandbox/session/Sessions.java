package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.sandbox.Hibernated;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.Sandboxes;
import dev.codelab.sandbox.session.SessionMachine.Claim;
import dev.codelab.sandbox.session.SessionMachine.Phase;
import dev.codelab.sandbox.session.SessionMachine.Teardown;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open sessions: each one kernel kept across cells, hibernated to disk when idle, resumed by
 * its next cell, ended when idle too long, too old, deleted, broken, or at shutdown. Each session's
 * life is its {@link SessionMachine}; this class carries out what the machine asks (sandboxes,
 * images, admission's memory, the disk budget). A cell runs through the one execution pipeline.
 */
@ApplicationScoped
public class Sessions {

    private static final Logger LOG = Logger.getLogger(Sessions.class);
    /** Room an image may need beyond its sandbox's memory: the sentry's serialized kernel state. */
    private static final long IMAGE_MARGIN_BYTES = 32L * 1024 * 1024;

    private final SessionConfig config;
    private final SandboxSupply supply;
    private final Sandboxes sandboxes;
    private final ExecutionService executions;
    private final SessionAdmission admission;
    private final HibernationDisk disk;
    private final EndedSessions ended = new EndedSessions();
    private final Map<String, Session> open = new ConcurrentHashMap<>();
    private final Timer hibernations;
    private final Timer resumptions;

    Sessions(SessionConfig config, SandboxSupply supply, Sandboxes sandboxes, ExecutionService executions,
             SessionAdmission admission, MeterRegistry registry) {
        this.config = config;
        this.supply = supply;
        this.sandboxes = sandboxes;
        this.executions = executions;
        this.admission = admission;
        this.disk = new HibernationDisk(config.hibernationDiskMb() * 1024L * 1024L);
        for (SessionState state : List.of(SessionState.ACTIVE, SessionState.HIBERNATED)) {
            Gauge.builder("codelab_sessions", open, sessions -> sessions.values().stream()
                            .filter(session -> session.state() == state).count())
                    .tags(Tags.of("state", state.value())).description("Open sessions by state").register(registry);
        }
        Gauge.builder("codelab_session_hibernation_disk_bytes", disk, HibernationDisk::used).baseUnit("bytes")
                .description("Disk reserved for hibernated sessions' images (the budget: codelab.session.hibernation-disk-mb)")
                .register(registry);
        this.hibernations = Timer.builder("codelab_session_hibernate_seconds").register(registry);
        this.resumptions = Timer.builder("codelab_session_resume_seconds").register(registry);
    }

    /** A new session with its own kernel, restored from the warm image like an execution's. */
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
        Runnable memory = admission.holdMemory(spec.tenant(), spec.limits().memoryMb(), true);
        AcquiredSandbox acquired;
        try {
            acquired = supply.acquire(id, spec.runtime(), spec.limits());
        } catch (IOException e) {
            memory.run();
            LOG.errorf("session %s: the sandbox did not start: %s", id, e.getMessage());
            throw new SandboxUnavailableException("the sandbox could not be started");
        }
        Session session = new Session(id, spec, acquired.sandbox(), acquired.mode(), config.maxLifetime(), this::ended);
        session.holding(memory);
        open.put(id, session);
        return session.view();
    }

    public SessionView view(String id, Tenant tenant) {
        return find(id, tenant).view();
    }

    /** Ends the session now: its sandbox is being killed when this returns. */
    public void delete(String id, Tenant tenant) {
        find(id, tenant).end(EndReason.DELETED);
    }

    /**
     * One cell's events; 409 while another cell has the turn, 404 (with the reason) once the
     * session ended. A hibernated session is restored first, on the cell's worker thread.
     */
    public Multi<ExecutionEvent> cell(String id, Tenant tenant, ExecutionPlan cell) {
        Session session = find(id, tenant);
        Claim claim;
        long turn;
        synchronized (session) {
            claim = session.claimCell();
            turn = session.turn();
        }
        if (claim == Claim.BUSY) {
            throw new SessionBusyException(id);
        }
        if (claim == Claim.GONE) {
            throw new SessionNotFoundException(id, session.endReason());
        }
        return executions.executeCell(session.cellPlan(cell), new SessionTurn(session, turn, claim, this::resume));
    }

    /** Every few seconds: sessions past their time end; idle ones go to disk. */
    @Scheduled(every = "${codelab.session.tend-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tend() {
        Instant now = Instant.now();
        for (Session session : open.values()) {
            EndReason expiry = session.expiry(now);
            if (expiry != null) {
                LOG.debugf("session %s ends: %s", session.id(), expiry.value());
                session.end(expiry);
            } else if (config.hibernate() && session.idleFor(config.hibernateAfter(), now)) {
                hibernate(session);
            }
        }
    }

    /**
     * Checkpoints an idle session, its image's room reserved first (its sandbox's memory is the
     * bound), so that the images never pass the disk budget. A session that does not fit even
     * after the least recently used hibernated ones are evicted stays live.
     */
    private void hibernate(Session session) {
        Sandbox sandbox = session.startHibernating();
        if (sandbox == null) {
            return;
        }
        long bound = sandboxes.memoryUsage(sandbox) + IMAGE_MARGIN_BYTES;
        if (!makeRoom(session, bound)) {
            LOG.debugf("session %s stays live: its image (up to %d MiB) does not fit the hibernation disk", session.id(),
                    bound >> 20);
            session.hibernationDeclined();
            return;
        }
        Path dir = imageDir(session);
        long start = System.nanoTime();
        try {
            Hibernated image = sandboxes.hibernate(sandbox, dir);
            long size = sandboxes.imageBytes(dir);
            if (!disk.settle(session.id(), size)) {
                LOG.warnf("session %s: its image is %d bytes, more than the %d reserved for it", session.id(), size, bound);
            }
            if (!session.hibernatedAs(image)) { // it ended meanwhile
                sandboxes.removeImage(dir);
                disk.release(session.id());
                return;
            }
            hibernations.record(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            LOG.warnf("session %s could not hibernate (%s); it ends", session.id(), e.getMessage());
            failedCheckpoint(session);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failedCheckpoint(session);
        }
    }

    private void failedCheckpoint(Session session) {
        session.takeSandbox(); // already killed and released by the failed checkpoint
        disk.release(session.id());
        session.end(EndReason.HIBERNATION_FAILED);
    }

    /** Reserves room for an image, evicting the least recently used hibernated sessions if that is enough. */
    private boolean makeRoom(Session session, long bytes) {
        if (disk.reserve(session.id(), bytes)) {
            return true;
        }
        List<Session> evictable = open.values().stream()
                .filter(other -> other != session && other.phase() == Phase.HIBERNATED)
                .sorted(Comparator.comparing(Session::lastUsedAt)).toList();
        if (evictable.stream().mapToLong(other -> disk.of(other.id())).sum() < disk.shortOf(bytes)) {
            return false;
        }
        for (Session oldest : evictable) {
            LOG.infof("session %s evicted: hibernated images would pass %d MiB", oldest.id(), config.hibernationDiskMb());
            oldest.end(EndReason.EVICTED);
            if (disk.reserve(session.id(), bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Restores a hibernated session for its claimed cell, with its own limits and memory held
     * again. A failure leaves it hibernated, its image kept: the client is told to try again.
     */
    private void resume(Session session, long turn) {
        long start = System.nanoTime();
        try {
            session.holding(admission.holdMemory(session.spec().tenant(), session.spec().limits().memoryMb(), false));
        } catch (RuntimeException e) {
            session.resumeFailed(turn); // admission's 429: it stays hibernated
            throw e;
        }
        Hibernated image = session.hibernated();
        try {
            Sandbox restored = sandboxes.resume(image, session.spec().limits());
            disk.release(session.id());
            if (!session.resumedAs(restored, turn)) {
                sandboxes.release(restored);
                throw new SessionNotFoundException(session.id(), session.endReason());
            }
            resumptions.record(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            LOG.warnf("session %s could not be resumed (%s); it stays hibernated", session.id(), e.getMessage());
            session.resumeFailed(turn);
            if (session.phase() == Phase.ENDED) {
                deleteImage(session);
            }
            throw new SandboxUnavailableException("the session's sandbox could not be restored now; it is kept"
                    + " hibernated, with its state: send the cell again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.resumeFailed(turn);
            throw new SandboxUnavailableException("the service is shutting down");
        }
    }

    /** Tears down what an ended session held, as its machine said. */
    private void ended(Session session, Teardown teardown) {
        open.remove(session.id());
        ended.add(session.id(), session.spec().tenant().name(), session.endReason());
        session.releaseMemory();
        switch (teardown) {
            case KERNEL, RUNNING_KERNEL -> {
                Sandbox sandbox = session.takeSandbox();
                if (sandbox != null) {
                    sandbox.kill();
                    sandboxes.release(sandbox);
                }
            }
            case IMAGE -> deleteImage(session);
            case LATER, NONE -> {
                // a checkpoint or restore under way cleans up after itself when it sees the end
            }
        }
    }

    private void deleteImage(Session session) {
        Hibernated image = session.takeImage();
        sandboxes.removeImage(image != null ? image.imageDir() : imageDir(session));
        disk.release(session.id());
    }

    private Session find(String id, Tenant tenant) {
        Session session = id == null ? null : open.get(id);
        if (session == null || !session.belongsTo(tenant)) {
            throw new SessionNotFoundException(id, id == null ? null : ended.reason(id, tenant.name()));
        }
        return session;
    }

    private Path imageDir(Session session) {
        return sandboxes.imagesDir().resolve("sessions").resolve(session.id());
    }

    /** Before the pool and the sandboxes shut down: running cells may finish, then every session ends. */
    void onShutdown(@Observes @Priority(5) ShutdownEvent event) throws InterruptedException {
        for (Session session : open.values()) {
            for (int wait = 0; wait < 600 && session.phase() == Phase.RUNNING; wait++) {
                Thread.sleep(500); // a running cell finishes, within its own timeout
            }
            session.end(EndReason.SHUTDOWN);
        }
    }
}
