package dev.codelab.sandbox.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Hibernated;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxConfig;
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
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The sessions: each one kernel kept across cells, hibernated to the sessions directory when idle,
 * taken over and resumed by its next cell on whichever replica that cell reaches, ended when idle
 * too long, too old, deleted, broken, or its replica lost before it could save it. At shutdown a
 * replica saves its live sessions instead of ending them. Each session's life here is its
 * {@link SessionMachine}; the directory ({@link SessionStore}) is where sessions outlive a replica.
 */
@ApplicationScoped
public class Sessions {

    private static final Logger LOG = Logger.getLogger(Sessions.class);

    private final SessionConfig config;
    private final SandboxSupply supply;
    private final ExecutionService executions;
    private final SessionAdmission admission;
    private final RuntimeCatalog catalog;
    private final Sandboxes sandboxes;
    private final SessionStore store;
    private final HibernationDisk disk;
    private final Hibernation hibernation;
    private final SessionAudit audit;
    private final ProfileUpgrade upgrades;
    private final Map<String, Session> open = new ConcurrentHashMap<>();
    private volatile boolean draining;
    /**
     * Held while this replica recovers a lost one's sessions: a session being ended there has left
     * the lost replica's directory before its end is recorded, and a lookup in between must wait
     * for the record, not answer 404 without a reason.
     */
    private final Object recovering = new Object();

    Sessions(SessionConfig config, SandboxConfig sandboxConfig, SandboxSupply supply, Sandboxes sandboxes,
             ExecutionService executions, SessionAdmission admission, RuntimeCatalog catalog, ObjectMapper json,
             MeterRegistry registry) {
        this.config = config;
        this.supply = supply;
        this.sandboxes = sandboxes;
        this.executions = executions;
        this.admission = admission;
        this.catalog = catalog;
        this.store = new SessionStore(config.sharedDir().orElse(sandboxConfig.stateDir().toAbsolutePath().resolve("sessions")),
                config.pod().orElseGet(Sessions::hostName), json);
        this.audit = new SessionAudit(json, store.pod());
        this.upgrades = new ProfileUpgrade(supply, sandboxes, store);
        this.disk = new HibernationDisk(config.hibernationDiskMb() * 1024L * 1024L, store);
        this.hibernation = new Hibernation(store, disk, sandboxes, admission,
                Timer.builder("codelab_session_hibernate_seconds").register(registry),
                Timer.builder("codelab_session_resume_seconds").register(registry), this::evict);
        Gauge.builder("codelab_sessions", open, sessions -> sessions.values().stream()
                        .filter(session -> session.state() == SessionState.ACTIVE).count())
                .tags(Tags.of("state", "active")).description("Sessions live on this replica").register(registry);
        Gauge.builder("codelab_sessions", store, held -> held.published().size()).tags(Tags.of("state", "hibernated"))
                .description("Hibernated sessions in the sessions directory (every replica's: take the max)")
                .register(registry);
        Gauge.builder("codelab_session_hibernation_disk_bytes", disk, HibernationDisk::used).baseUnit("bytes")
                .description("Disk held or reserved by hibernated sessions' images (the budget: codelab.session.hibernation-disk-mb)")
                .register(registry);
        Gauge.builder("codelab_session_hibernation_disk_budget_bytes", disk, HibernationDisk::budgetBytes).baseUnit("bytes")
                .description("What hibernated sessions' images may take on disk together").register(registry);
    }

    /** What an earlier process of this replica left is handed over, or ended with the reason. */
    void onStart(@Observes StartupEvent event) {
        store.beat();
        recover(store.pod());
        LOG.infof("sessions: directory %s, this replica %s", store.root(), store.pod());
    }

    /** A new session with its own kernel, restored from the warm image like an execution's. */
    public SessionView create(SessionSpec spec) {
        if (draining) {
            throw new SandboxUnavailableException("the service is shutting down; open the session again");
        }
        refuseOverLimits(spec.tenant(), null);
        String id = UUID.randomUUID().toString();
        Runnable memory = admission.holdMemory(spec.tenant(), spec.limits().memoryMb(), true);
        AcquiredSandbox acquired;
        try {
            acquired = supply.acquire(id, spec.runtime(), spec.profile(), spec.limits());
        } catch (java.io.IOException e) {
            memory.run();
            LOG.errorf("session %s: the sandbox did not start: %s", id, e.getMessage());
            throw new SandboxUnavailableException("the sandbox could not be started");
        }
        Session session = new Session(id, spec, acquired.sandbox(), acquired.mode(), config.maxLifetime(), this::ended);
        session.holding(memory);
        open.put(id, session);
        try {
            store.locked(() -> { // counted and recorded at once: two replicas cannot both fill the key's last place
                refuseOverLimits(spec.tenant(), id);
                store.save(session.meta(store.pod(), null, null));
                return null;
            });
        } catch (SessionLimitException e) {
            session.end(EndReason.DELETED);
            throw e;
        }
        return session.view(store.pod());
    }

    /**
     * A key holds at most max-per-key sessions (or its keys file's maxSessions) in the whole directory (live on any replica or
     * hibernated: a session that hibernates still counts), all its users' together; an end user of a
     * delegating key at most its perUser.maxOpenSessions; this replica at most max-open live ones.
     */
    private void refuseOverLimits(Tenant tenant, String creating) {
        long keys = store.countOf(owner -> owner.tenant().equals(tenant.name()));
        if (keys >= tenant.policy().maxSessionsOr(config.maxPerKey())) {
            throw new SessionLimitException("this API key holds " + keys + " open sessions" + (tenant.user() == null ? "" : ","
                    + " all its users' together") + ", the most it may; delete one or let one expire");
        }
        Integer perUser = tenant.perUser().maxOpenSessions();
        long users = perUser == null ? 0 : store.countOf(owner -> owner.equals(tenant.owner()));
        if (perUser != null && users >= perUser) {
            throw new SessionLimitException(tenant.subject() + " holds " + users + " open sessions, the most it may;"
                    + " delete one or let one expire");
        }
        long live = open.values().stream().filter(session -> !session.id().equals(creating)).count();
        if (live >= config.maxOpen()) {
            throw new SessionLimitException("the service holds as many sessions as it may; try again later");
        }
    }

    /** The session as this key sees it, wherever it is: live here, hibernated, or live on another replica. */
    public SessionView view(String id, Tenant tenant) {
        Session local = local(id, tenant);
        if (local != null) {
            return local.view(store.pod());
        }
        refuseEnded(id, tenant);
        Optional<SessionMeta> asleep = store.peek(id).filter(meta -> meta.owner().equals(tenant.owner()));
        if (asleep.isPresent()) {
            return view(asleep.get(), SessionState.HIBERNATED, null);
        }
        Optional<Map.Entry<String, SessionMeta>> held = store.holder(id)
                .filter(entry -> entry.getValue().owner().equals(tenant.owner()));
        if (held.isPresent()) {
            String pod = held.get().getKey();
            if (store.alive(pod, config.podLostAfter())) {
                return view(held.get().getValue(), SessionState.ACTIVE, pod);
            }
            recover(pod); // it is now in the directory, or ended for the reason its replica's loss gives
            return view(id, tenant);
        }
        throw notFound(id, tenant);
    }

    /** Ends the session now, wherever it is; a live one's sandbox is being killed when this returns. */
    public void delete(String id, Tenant tenant) {
        takeOver(id, tenant).end(EndReason.DELETED);
    }

    /** This key's (and end user's) sessions, wherever they are: live here or on another replica, or hibernated. */
    public List<SessionView> list(Tenant tenant) {
        Stream<SessionView> here = open.values().stream().filter(session -> session.belongsTo(tenant))
                .map(session -> session.view(store.pod())).filter(view -> view.state() != SessionState.ENDED);
        Stream<SessionView> asleep = store.published().stream().filter(meta -> meta.owner().equals(tenant.owner()))
                .map(meta -> view(meta, SessionState.HIBERNATED, null));
        Stream<SessionView> elsewhere = store.heldElsewhere().stream()
                .filter(held -> held.getValue().owner().equals(tenant.owner()))
                .map(held -> view(held.getValue(), SessionState.ACTIVE, held.getKey()));
        return Stream.of(here, asleep, elsewhere).flatMap(views -> views)
                .sorted(Comparator.comparing(SessionView::createdAt)).toList();
    }

    /**
     * A notebook's stop button: the running cell gets a KeyboardInterrupt (and answers as its code
     * handles it). False when no cell runs; a hibernated session is not woken for it.
     */
    public boolean interrupt(String id, Tenant tenant) {
        Session local = local(id, tenant);
        if (local != null) {
            return local.interrupt();
        }
        SessionView seen = view(id, tenant); // 404 as for any other request
        if (seen.state() == SessionState.ACTIVE && seen.pod() != null) {
            throw new SessionElsewhereException(id, seen.pod()); // its cell runs there: ask that replica
        }
        return false; // hibernated: nothing runs
    }

    /**
     * A fresh kernel for the session, as Jupyter's restart: same id, limits and opening files, no
     * variables, imports or other files. It takes the session's turn like a cell (409 while one
     * runs: interrupt it first); a hibernated session's image is dropped, never restored.
     */
    public SessionView restart(String id, Tenant tenant) {
        Claimed claimed = claimTurn(id, tenant);
        Session session = claimed.session();
        Claim claim = claimed.claim();
        long turn = claimed.turn();
        if (claim == Claim.AWAIT_CHECKPOINT) {
            claim = awaitCheckpoint(session, turn);
        }
        if (claim == Claim.BUSY) {
            throw new SessionBusyException(id);
        }
        if (claim == Claim.GONE) {
            throw new SessionNotFoundException(id, session.endReason());
        }
        boolean hibernated = claim == Claim.RESUME;
        Runnable memory = null;
        if (hibernated) {
            try {
                memory = admission.holdMemory(tenant, session.spec().limits().memoryMb(), false);
            } catch (RuntimeException e) {
                session.restartFailed(turn);
                throw e;
            }
        }
        AcquiredSandbox fresh;
        try {
            fresh = supply.acquire(UUID.randomUUID().toString(), session.spec().runtime(), session.spec().profile(),
                    session.spec().limits());
        } catch (java.io.IOException e) {
            LOG.warnf("session %s: no sandbox to restart it on (%s); it goes on as it was", id, e.getMessage());
            session.restartFailed(turn);
            if (memory != null) {
                memory.run();
            }
            throw new SandboxUnavailableException("the session could not be restarted now; it goes on as it was");
        }
        Session.Replaced replaced = session.restarted(fresh.sandbox(), fresh.mode(), turn);
        if (replaced == null) { // it ended meanwhile
            supply.release(fresh);
            if (memory != null) {
                memory.run();
            }
            throw new SessionNotFoundException(id, session.endReason());
        }
        if (memory != null) {
            session.holding(memory);
        }
        if (replaced.kernel() != null) {
            replaced.kernel().kill();
            sandboxes.release(replaced.kernel());
        }
        if (replaced.image() != null) {
            store.dropImage(id);
            disk.release(id);
        }
        store.save(session.meta(store.pod(), null, null));
        LOG.debugf("session %s restarted", id);
        return session.view(store.pod());
    }

    private static Claim awaitCheckpoint(Session session, long turn) {
        try {
            return session.awaitCheckpoint(turn);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.restartFailed(turn);
            throw new SandboxUnavailableException("the service is shutting down");
        }
    }

    /**
     * One cell's events; 409 while another cell has the turn (or another replica is taking the
     * session over), 404 (with the reason) once it ended, 410 when no replica here can restore it.
     * A hibernated session is taken over and restored first, on the cell's worker thread.
     */
    public Multi<ExecutionEvent> cell(String id, Tenant tenant, ExecutionPlan cell) {
        Claimed claimed = claimTurn(id, tenant);
        Session session = claimed.session();
        if (claimed.claim() == Claim.BUSY) {
            throw new SessionBusyException(id);
        }
        if (claimed.claim() == Claim.GONE) {
            throw new SessionNotFoundException(id, session.endReason());
        }
        WarmProfile upgrade = claimed.claim() == Claim.RUN ? upgrades.wanted(session, cell.code()) : null;
        return executions.executeCell(new SessionTurn(session, cell, claimed.turn(), claimed.claim(), this::resume,
                upgrade == null ? null : turn -> upgrades.take(session, turn, upgrade), store.pod()));
    }

    /** A session, and what claiming its turn (for a cell or a restart) asks of the caller. */
    private record Claimed(Session session, Claim claim, long turn) {
    }

    private Claimed claimTurn(String id, Tenant tenant) {
        Session session = takeOver(id, tenant);
        synchronized (session) {
            Claim claim = session.claimCell();
            if (claim != Claim.ELSEWHERE) {
                return new Claimed(session, claim, session.turn());
            }
        }
        return claimTurn(id, tenant); // handed to the directory a moment ago: take it back from there
    }

    /**
     * The session, held by this replica: live here already, or taken over from the directory (an
     * atomic rename: of two replicas racing, the loser answers as for a busy session), or from a
     * replica that was lost. Never another tenant's.
     */
    private Session takeOver(String id, Tenant tenant) {
        Session local = local(id, tenant);
        if (local != null) {
            return local;
        }
        refuseEnded(id, tenant);
        Optional<SessionMeta> asleep = store.peek(id).filter(meta -> meta.owner().equals(tenant.owner()));
        if (asleep.isPresent()) {
            SessionMeta meta = store.claim(id).orElseThrow(() -> new SessionBusyException(id));
            return adopt(meta, tenant);
        }
        Optional<Map.Entry<String, SessionMeta>> held = store.holder(id)
                .filter(entry -> entry.getValue().owner().equals(tenant.owner()));
        if (held.isPresent()) {
            String pod = held.get().getKey();
            if (store.alive(pod, config.podLostAfter())) {
                throw new SessionElsewhereException(id, pod);
            }
            recover(pod); // it is now in the directory, or ended for the reason its replica's loss gives
            return takeOver(id, tenant);
        }
        synchronized (recovering) { // a recovery of this replica's under way has recorded the session's end by now
            throw notFound(id, tenant);
        }
    }

    /** A session this replica has just taken from the directory: restorable here, or ended as such. */
    private Session adopt(SessionMeta meta, Tenant tenant) {
        LanguageRuntime runtime = catalog.find(meta.language()).orElse(null);
        WarmProfile profile = runtime == null ? null : profileOf(meta, runtime);
        Hibernated image = profile == null ? null : hibernation.image(meta, runtime, profile);
        String mismatch = runtime == null ? "its language is not served here"
                : profile == null ? "its warm profile '" + meta.profile() + "' is not served here"
                : meta.image().mismatch(hibernation.fingerprint(image));
        if (mismatch != null) {
            LOG.infof("session %s cannot be restored here: %s", meta.id(), mismatch);
            forget(meta.id(), meta.owner(), EndReason.INCOMPATIBLE_IMAGE);
            throw new SessionIncompatibleException(meta.id(), mismatch);
        }
        // As named: a session taken over keeps its profile (its record does not say whether it was named).
        SessionSpec spec = new SessionSpec(tenant, runtime, profile, true, meta.limits(), meta.env(), meta.files(),
                Duration.ofMillis(meta.idleTimeoutMs()));
        Session session = new Session(meta, spec, image, this::ended);
        open.put(meta.id(), session);
        store.save(meta);
        LOG.infof("session %s claimed from the sessions directory by replica %s", meta.id(), store.pod());
        return session;
    }

    /**
     * What a lost replica (or this one's earlier process) held: hibernated sessions go to the
     * directory for any replica to take; live ones, whose state was never saved, end.
     */
    private void recover(String lost) {
        synchronized (recovering) {
            recoverLocked(lost);
        }
    }

    private void recoverLocked(String lost) {
        for (SessionMeta meta : store.heldBy(lost)) {
            boolean mine = lost.equals(store.pod());
            if (!mine && store.claimFrom(lost, meta.id()).isEmpty()) {
                continue; // another replica recovers it
            }
            if (SessionMeta.HIBERNATED.equals(meta.state())) {
                store.publish(meta.id());
            } else {
                LOG.infof("session %s ended: replica %s was lost while it was live", meta.id(), lost);
                forget(meta.id(), meta.owner(), EndReason.POD_LOST);
            }
        }
        if (!lost.equals(store.pod())) {
            store.forgetPod(lost);
        }
    }

    /** Every few seconds: this replica's heartbeat; sessions past their time end; idle ones go to disk. */
    @Scheduled(every = "${codelab.session.tend-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tend() {
        store.beat();
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
        for (SessionMeta meta : store.published()) {
            EndReason expiry = meta.expiry(now);
            if (expiry != null && store.claim(meta.id()).isPresent()) {
                forget(meta.id(), meta.owner(), expiry);
            }
        }
        store.lostPods(config.podLostAfter()).forEach(this::recover);
        store.pruneEnded();
    }

    private Hibernation.Outcome hibernate(Session session) {
        Hibernation.Outcome outcome = hibernation.hibernate(session);
        if (outcome == Hibernation.Outcome.PUBLISHED) {
            open.remove(session.id(), session);
        } else if (outcome == Hibernation.Outcome.ENDED || outcome == Hibernation.Outcome.FAILED) {
            cleanUp(session.id()); // it ended while checkpointed: its end was recorded then
        }
        return outcome;
    }

    /** Restores a session for its cell; one that ended meanwhile leaves nothing behind. */
    private void resume(Session session, long turn) {
        try {
            hibernation.resume(session, turn);
        } catch (RuntimeException e) {
            if (session.phase() == Phase.ENDED) {
                cleanUp(session.id()); // it ended while restoring: its end was recorded then
            }
            throw e;
        }
    }

    /** A hibernated session of the directory gives way to a newer image: it ends, evicted. */
    private void evict(SessionMeta meta) {
        if (store.claim(meta.id()).isPresent()) {
            LOG.infof("session %s evicted: hibernated images would pass %d MiB", meta.id(), config.hibernationDiskMb());
            forget(meta.id(), meta.owner(), EndReason.EVICTED);
        }
    }

    /** Tears down what an ended session held, as its machine said, and records why it ended. */
    private void ended(Session session, Teardown teardown) {
        recordEnd(session.id(), session.spec().tenant().owner(), session.endReason()); // first: whoever asks from now on hears why
        open.remove(session.id(), session);
        session.releaseMemory();
        switch (teardown) {
            case KERNEL, RUNNING_KERNEL -> {
                Sandbox sandbox = session.takeSandbox();
                if (sandbox != null) {
                    sandbox.kill();
                    sandboxes.release(sandbox);
                }
            }
            case IMAGE, LATER, NONE -> {
                // an image is in the session's directory, removed below; a checkpoint or restore
                // under way cleans up after itself when it sees the end
            }
        }
        if (teardown != Teardown.LATER) {
            cleanUp(session.id());
        }
    }

    /** A session held here is gone: a record of why, its directory, its room on the disk. */
    private void forget(String id, Tenant.Owner owner, EndReason reason) {
        recordEnd(id, owner, reason);
        cleanUp(id);
    }

    /** Why it ended, for any replica to tell, and in the audit log. */
    private void recordEnd(String id, Tenant.Owner owner, EndReason reason) {
        store.ended(id, owner, reason);
        audit.ended(id, owner, reason);
    }

    /** What an ended session held here: its directory and its room on the disk. */
    private void cleanUp(String id) {
        store.forget(id);
        disk.release(id);
    }

    private Session local(String id, Tenant tenant) {
        Session session = id == null ? null : open.get(id);
        return session != null && session.belongsTo(tenant) ? session : null;
    }

    /** A session that ended is gone, even while what it held is still being removed. */
    private void refuseEnded(String id, Tenant tenant) {
        Optional<EndReason> reason = id == null ? Optional.empty() : store.endReason(id, tenant.owner());
        if (reason.isPresent()) {
            throw new SessionNotFoundException(id, reason.get());
        }
    }

    private SessionNotFoundException notFound(String id, Tenant tenant) {
        return new SessionNotFoundException(id, id == null ? null : store.endReason(id, tenant.owner()).orElse(null));
    }

    /** The profile a directory's record names (format 2 named none: the default), if this replica serves it. */
    private static WarmProfile profileOf(SessionMeta meta, LanguageRuntime runtime) {
        return meta.profile() == null ? runtime.defaultProfile() : runtime.profile(meta.profile()).orElse(null);
    }

    private static SessionView view(SessionMeta meta, SessionState state, String pod) {
        Instant idleEnd = meta.lastUsedAt().plusMillis(meta.idleTimeoutMs());
        return new SessionView(meta.id(), meta.language(), state, meta.limits(), meta.createdAt(), meta.lastUsedAt(),
                idleEnd.isBefore(meta.endOfLife()) ? idleEnd : meta.endOfLife(), meta.cells(), null, pod,
                meta.profile() == null ? RuntimeCatalog.BASE : meta.profile());
    }

    /**
     * SIGTERM: before the pool and the sandboxes shut down, with running cells finished (Quarkus
     * waited for the requests in flight), every live session is saved to the directory, the least
     * recently used first, within the drain timeout; what cannot be saved in time ends.
     */
    void onShutdown(@Observes @Priority(5) ShutdownEvent event) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        for (int wait = 0; wait < 600 && open.values().stream().anyMatch(s -> s.phase() == Phase.RUNNING); wait++) {
            Thread.sleep(500); // a running cell finishes, within its own timeout
        }
        List<Session> live = open.values().stream()
                .sorted(Comparator.comparing(Session::lastUsedAt)).toList();
        int saved = 0;
        for (Session session : live) {
            boolean inTime = System.nanoTime() < deadline;
            if (inTime && hibernate(session) == Hibernation.Outcome.PUBLISHED) {
                saved++;
            } else {
                session.end(EndReason.SHUTDOWN);
            }
        }
        LOG.infof("shutdown: %d of %d live sessions saved to the sessions directory", saved, live.size());
        store.leave();
    }

    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name != null && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "replica-" + UUID.randomUUID();
        }
    }
}
