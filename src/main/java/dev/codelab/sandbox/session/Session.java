package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.KernelEnd;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Hibernated;
import dev.codelab.sandbox.sandbox.ImageFingerprint;
import dev.codelab.sandbox.sandbox.Kernel;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.session.SessionMachine.Claim;
import dev.codelab.sandbox.session.SessionMachine.Phase;
import dev.codelab.sandbox.session.SessionMachine.Teardown;
import dev.codelab.sandbox.tenant.Tenant;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * One session: its {@link SessionMachine}, and what it holds in each phase (a live sandbox, or an
 * image on disk; the memory admission lent it), its clock and its cells. Every change goes through
 * this object's lock; what ending it leaves to tear down goes to {@code onEnd}, outside the lock.
 */
final class Session {

    private final String id;
    private volatile SessionSpec spec; // its profile may change once, at the first cell (ProfileUpgrade)
    private final Instant createdAt;
    private final Instant endOfLife;
    private final BiConsumer<Session, Teardown> onEnd;
    private final SessionMachine machine;
    private Sandbox sandbox;
    private StartMode startMode;
    private Hibernated hibernated;
    private Runnable memoryHeld;
    private Instant lastUsedAt;
    private int cells;
    private long lastCell;
    private final TurnInterrupt turnInterrupt = new TurnInterrupt();

    /** A session opened here, live on its sandbox. */
    Session(String id, SessionSpec spec, Sandbox sandbox, StartMode startMode, Duration maxLifetime,
            BiConsumer<Session, Teardown> onEnd) {
        this.id = id;
        this.spec = spec;
        this.sandbox = sandbox;
        this.startMode = startMode;
        this.onEnd = onEnd;
        this.createdAt = Instant.now();
        this.lastUsedAt = createdAt;
        this.endOfLife = createdAt.plus(maxLifetime);
        this.machine = new SessionMachine(Phase.IDLE);
    }

    /** A hibernated session taken over from the sessions directory: its image is {@code image}. */
    Session(SessionMeta meta, SessionSpec spec, Hibernated image, BiConsumer<Session, Teardown> onEnd) {
        this.id = meta.id();
        this.spec = spec;
        this.onEnd = onEnd;
        this.createdAt = meta.createdAt();
        this.lastUsedAt = meta.lastUsedAt();
        this.endOfLife = meta.endOfLife();
        this.cells = meta.cells();
        this.lastCell = meta.lastCell();
        this.hibernated = image;
        this.startMode = StartMode.RESTORED;
        this.machine = new SessionMachine(Phase.HIBERNATED);
    }

    /** What any replica needs to know of it: hibernated with its image's shape and needs, or live here. */
    synchronized SessionMeta meta(String pod, SessionMeta.Shape shape, ImageFingerprint image) {
        boolean asleep = shape != null;
        String profile = spec.profile().equals(spec.runtime().defaultProfile()) ? null : spec.profile().name();
        return new SessionMeta(SessionMeta.formatFor(profile), id, spec.tenant().owner(), spec.runtime().language(), spec.limits(),
                spec.env(), cells == 0 ? spec.files() : List.of(), spec.idleTimeout().toMillis(), createdAt, lastUsedAt,
                endOfLife, cells, lastCell, asleep ? SessionMeta.HIBERNATED : SessionMeta.ACTIVE, pod, shape, image,
                profile);
    }

    /** The hibernated session goes to the sessions directory, if no cell waits for it; false if it stays. */
    synchronized boolean publish(Runnable handOver) {
        if (!machine.publish()) {
            return false;
        }
        handOver.run();
        return true;
    }

    String id() {
        return id;
    }

    SessionSpec spec() {
        return spec;
    }

    synchronized boolean belongsTo(Tenant tenant) {
        return spec.tenant().owner().equals(tenant.owner());
    }

    /** The session as GET shows it, held by replica {@code pod}. */
    synchronized SessionView view(String pod) {
        return new SessionView(id, spec.runtime().language(), state(), spec.limits(), createdAt, lastUsedAt, expiresAt(),
                cells, machine.endReason(), state() == SessionState.ENDED ? null : pod, spec.profile().name());
    }

    /** The session as a cell's answer shows it, held by replica {@code pod}. */
    synchronized ExecutionResult.SessionRef ref(String pod) {
        EndReason reason = machine.endReason();
        return new ExecutionResult.SessionRef(id, state().value(), reason == null ? null : reason.value(),
                reason == null ? pod : null);
    }

    synchronized SessionState state() {
        return switch (machine.phase()) {
            case HIBERNATED -> SessionState.HIBERNATED;
            case ENDED -> SessionState.ENDED;
            default -> SessionState.ACTIVE;
        };
    }

    synchronized Phase phase() {
        return machine.phase();
    }

    synchronized EndReason endReason() {
        return machine.endReason();
    }

    /** A cell (or a restart) arrives: what the caller must do, and the turn it took ({@link #turn()}). */
    synchronized Claim claimCell() {
        Claim claim = machine.claimCell();
        if (claim == Claim.RUN || claim == Claim.RESUME || claim == Claim.AWAIT_CHECKPOINT) {
            turnInterrupt.reset();
        }
        return claim;
    }

    /**
     * A notebook's stop button: a KeyboardInterrupt for the cell that has the turn, now or as soon as
     * its message reaches the supervisor (a cell still being restored is interrupted when it starts).
     * False when no cell is under way.
     */
    boolean interrupt() {
        Kernel target;
        long cell;
        synchronized (this) {
            if (!machine.cellUnderway()) {
                return false;
            }
            cell = turnInterrupt.ask();
            target = sandbox;
        }
        if (target != null && cell != 0) {
            target.interrupt(cell); // a supervisor that cannot be told is gone: the cell ends anyway
        }
        return true;
    }

    /** The turn's cell is with the supervisor: an interrupt asked for before goes now. */
    void cellSent(long cell) {
        Kernel target;
        synchronized (this) {
            if (!turnInterrupt.sent(cell)) {
                return;
            }
            target = sandbox;
        }
        if (target != null) {
            target.interrupt(cell);
        }
    }

    synchronized long turn() {
        return machine.turn();
    }

    /** Waits (on a worker thread) for the checkpoint under way, then says how the claimed cell goes on. */
    synchronized Claim awaitCheckpoint(long turn) throws InterruptedException {
        while (machine.hibernating()) {
            wait();
        }
        return machine.resumeAfterCheckpoint(turn);
    }

    /** The plan of a cell: the session's limits with the cell's time and output; the session's files go with the first. */
    synchronized ExecutionPlan cellPlan(ExecutionPlan cell) {
        List<ExecutionPlan.InputFile> files = new ArrayList<>(cells == 0 ? spec.files() : List.of());
        // a cell's own file replaces an opening file of the same path: each path once in the message
        files.removeIf(opening -> cell.files().stream().anyMatch(given -> given.path().equals(opening.path())));
        files.addAll(cell.files());
        SandboxLimits limits = spec.limits();
        return new ExecutionPlan(spec.tenant(), spec.runtime(), spec.profile(), cell.code(), cell.stdin(),
                List.copyOf(files), spec.env(),
                new SandboxLimits(cell.limits().timeoutMs(), limits.cpus(), limits.memoryMb(), limits.pids(),
                        cell.limits().outputBytes(), limits.diskMb()), cell.workspace());
    }

    synchronized Kernel kernel() {
        return sandbox;
    }

    synchronized StartMode startMode() {
        return startMode;
    }

    synchronized long nextCell() {
        return ++lastCell;
    }

    /** Before the answer leaves: a notebook sends the next cell the moment it has it. True when it ended the session. */
    boolean cellEnded(KernelEnd end) {
        Teardown teardown;
        synchronized (this) {
            cells++;
            turnInterrupt.reset();
            lastUsedAt = Instant.now();
            teardown = machine.cellEnded(machine.turn(), end == null ? null : EndReason.of(end));
        }
        if (teardown != Teardown.NONE) {
            onEnd.accept(this, teardown);
        }
        return teardown != Teardown.NONE;
    }

    /** The turn's cell failed before it could end: the kernel's state is unknown, so the session ends. */
    void cellAborted(long turn) {
        Teardown teardown;
        synchronized (this) {
            teardown = machine.cellAborted(turn);
        }
        if (teardown != Teardown.NONE) {
            onEnd.accept(this, teardown);
        }
    }

    synchronized boolean idleFor(Duration duration, Instant now) {
        return machine.phase() == Phase.IDLE && machine.resting() && lastUsedAt.plus(duration).isBefore(now);
    }

    /** Why it should end now, if it should: idle too long, or too old. Never while a cell has the turn. */
    synchronized EndReason expiry(Instant now) {
        if (!machine.resting()) {
            return null;
        }
        if (endOfLife.isBefore(now)) {
            return EndReason.LIFETIME;
        }
        return lastUsedAt.plus(spec.idleTimeout()).isBefore(now) ? EndReason.IDLE_TIMEOUT : null;
    }

    synchronized Instant lastUsedAt() {
        return lastUsedAt;
    }

    /** The live sandbox goes to disk; null when the session is not idle any more. */
    synchronized Sandbox startHibernating() {
        return machine.startHibernating() ? sandbox : null;
    }

    /** The checkpoint worked: the session holds its image, and neither sandbox nor memory. False if it ended meanwhile. */
    boolean hibernatedAs(Hibernated image) {
        synchronized (this) {
            sandbox = null;
            notifyAll();
            if (machine.phase() != Phase.HIBERNATING) {
                return false;
            }
            machine.hibernated();
            hibernated = image;
        }
        releaseMemory(); // a hibernated session holds disk, not memory
        return true;
    }

    /** The image would not fit the disk: the session stays live. */
    synchronized void hibernationDeclined() {
        machine.hibernationDeclined();
        notifyAll();
    }

    synchronized Hibernated hibernated() {
        return hibernated;
    }

    /** The admission hold of a live session's memory; given back at hibernation and at the end. */
    synchronized void holding(Runnable release) {
        memoryHeld = release;
    }

    /** The restore worked; false (and the caller releases it) if the session ended meanwhile. */
    synchronized boolean resumedAs(Sandbox restored, long turn) {
        if (machine.phase() != Phase.RESUMING) {
            return false;
        }
        machine.resumed(turn);
        sandbox = restored;
        startMode = StartMode.RESTORED;
        hibernated = null;
        return true;
    }

    /** Nothing has run in its kernel and no file was written there: the kernel is as it came. */
    synchronized boolean untouched() {
        return cells == 0 && lastCell == 0 && hibernated == null;
    }

    /**
     * The first cell, whose turn is {@code turn}, moves the session to {@code profile} on
     * {@code fresh}: returns the kernel it replaces, or null (the caller releases {@code fresh})
     * when the session is no longer as it came.
     */
    synchronized Sandbox tookProfile(Sandbox fresh, StartMode mode, long turn, WarmProfile profile) {
        if (machine.phase() != Phase.RUNNING || machine.turn() != turn || !untouched() || turnInterrupt.cellSent()) {
            return null;
        }
        Sandbox replaced = sandbox;
        sandbox = fresh;
        startMode = mode;
        spec = spec.withProfile(profile);
        return replaced;
    }

    /** What a restart replaced: the live kernel, or the image, the session held before. */
    record Replaced(Sandbox kernel, Hibernated image) {
    }

    /**
     * The restart that took turn {@code turn} has its fresh kernel: the session holds it instead of
     * its old kernel or image, with no cells (its opening files go with the next), idle again. Null
     * (and the caller releases {@code fresh}) when it ended meanwhile.
     */
    synchronized Replaced restarted(Sandbox fresh, StartMode mode, long turn) {
        if (machine.phase() == Phase.RESUMING) {
            machine.resumed(turn);
        }
        if (machine.phase() != Phase.RUNNING || machine.turn() != turn) {
            return null;
        }
        Replaced replaced = new Replaced(sandbox, hibernated);
        sandbox = fresh;
        startMode = mode;
        hibernated = null;
        cells = 0;
        lastCell = 0; // a fresh supervisor counts cells from the start
        turnInterrupt.reset();
        lastUsedAt = Instant.now();
        machine.cellEnded(turn, null);
        return replaced;
    }

    /** The restart that took turn {@code turn} found no kernel: the session goes on as it was. */
    synchronized void restartFailed(long turn) {
        if (machine.phase() == Phase.RESUMING) {
            machine.resumeFailed(turn);
        } else {
            machine.cellEnded(turn, null);
        }
    }

    /** The restore failed: the image is kept for another try, and the memory given back. */
    void resumeFailed(long turn) {
        synchronized (this) {
            machine.resumeFailed(turn);
        }
        releaseMemory();
    }

    /** Ends the session once, for this reason; what it held is torn down through onEnd. */
    void end(EndReason reason) {
        Teardown teardown;
        synchronized (this) {
            teardown = machine.end(reason);
            notifyAll();
        }
        if (teardown != Teardown.NONE) {
            onEnd.accept(this, teardown);
        }
    }

    /** An ended session's live sandbox, taken by whoever tears it down (once). */
    synchronized Sandbox takeSandbox() {
        Sandbox taken = sandbox;
        sandbox = null;
        return taken;
    }

    /** An ended session's image, taken by whoever deletes it (once). */
    synchronized Hibernated takeImage() {
        Hibernated taken = hibernated;
        hibernated = null;
        return taken;
    }

    /** The memory an ended session held, given back (once). */
    void releaseMemory() {
        Runnable memory;
        synchronized (this) {
            memory = memoryHeld;
            memoryHeld = null;
        }
        if (memory != null) {
            memory.run();
        }
    }

    private Instant expiresAt() {
        Instant idleEnd = lastUsedAt.plus(spec.idleTimeout());
        return idleEnd.isBefore(endOfLife) ? idleEnd : endOfLife;
    }
}
