package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.SessionSeat;
import dev.codelab.sandbox.sandbox.Hibernated;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.tenant.Tenant;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One session: its sandbox (or its hibernated image), its limits, its clock, and whether a cell
 * runs. All state changes go through this object's lock.
 */
final class Session implements SessionSeat {

    private final String id;
    private final SessionSpec spec;
    private final Instant createdAt;
    private final Instant endOfLife;
    private final Consumer<Session> onEnd;
    private SessionState state = SessionState.ACTIVE;
    private Sandbox sandbox;
    private StartMode startMode;
    private Hibernated hibernated;
    private Instant lastUsedAt;
    private int cells;
    private boolean busy;
    private long turn;
    private Runnable memoryHeld;

    Session(String id, SessionSpec spec, Sandbox sandbox, StartMode startMode, Duration maxLifetime, Consumer<Session> onEnd) {
        this.id = id;
        this.spec = spec;
        this.sandbox = sandbox;
        this.startMode = startMode;
        this.onEnd = onEnd;
        this.createdAt = Instant.now();
        this.lastUsedAt = createdAt;
        this.endOfLife = createdAt.plus(maxLifetime);
    }

    String id() {
        return id;
    }

    @Override
    public String sessionId() {
        return id;
    }

    SessionSpec spec() {
        return spec;
    }

    synchronized boolean belongsTo(Tenant tenant) {
        return state != SessionState.ENDED && spec.tenant().name().equals(tenant.name());
    }

    synchronized SessionView view() {
        return new SessionView(id, spec.runtime().language(), state, spec.limits(), createdAt, lastUsedAt, expiresAt(), cells);
    }

    /**
     * A turn (a cell, or a hibernation), if none is under way: its number, which the caller must
     * {@link #free(long)}.
     */
    synchronized OptionalLong claim() {
        if (busy || state == SessionState.ENDED) {
            return OptionalLong.empty();
        }
        busy = true;
        return OptionalLong.of(++turn);
    }

    /** Ends that turn if it is still the current one: a late end never frees a later turn. */
    synchronized void free(long turn) {
        if (busy && turn == this.turn) {
            busy = false;
            lastUsedAt = Instant.now();
        }
    }

    /** The plan of a cell: the session's limits with the cell's time and output; the session's files go with the first. */
    synchronized ExecutionPlan cellPlan(ExecutionPlan cell) {
        List<ExecutionPlan.InputFile> files = new ArrayList<>(cells == 0 ? spec.files() : List.of());
        files.addAll(cell.files());
        SandboxLimits limits = spec.limits();
        return new ExecutionPlan(spec.tenant(), spec.runtime(), cell.code(), cell.stdin(), List.copyOf(files), spec.env(),
                new SandboxLimits(cell.limits().timeoutMs(), limits.cpus(), limits.memoryMb(), limits.pids(),
                        cell.limits().outputBytes(), limits.diskMb()));
    }

    @Override
    public synchronized Sandbox sandbox() {
        return sandbox;
    }

    @Override
    public synchronized StartMode startMode() {
        return startMode;
    }

    @Override
    public void cellEnded(ExecutionResult result, boolean sandboxLives) {
        synchronized (this) {
            cells++;
            lastUsedAt = Instant.now();
            free(turn); // before its answer leaves: a notebook sends the next cell the moment it has it
        }
        if (!sandboxLives) {
            end();
        }
    }

    synchronized boolean idleFor(Duration duration, Instant now) {
        return !busy && state == SessionState.ACTIVE && lastUsedAt.plus(duration).isBefore(now);
    }

    synchronized boolean expired(Instant now) {
        return !busy && state != SessionState.ENDED && expiresAt().isBefore(now);
    }

    synchronized Hibernated hibernated() {
        return hibernated;
    }

    synchronized Instant lastUsedAt() {
        return lastUsedAt;
    }

    /** The sandbox goes to disk: the session holds no sandbox until its next cell. */
    synchronized Sandbox hibernating() {
        Sandbox current = sandbox;
        sandbox = null;
        return current;
    }

    synchronized void hibernatedAs(Hibernated image) {
        hibernated = image;
        state = SessionState.HIBERNATED;
    }

    /** The admission hold of an active session's memory; given back at hibernation and at the end. */
    synchronized void holding(Runnable release) {
        memoryHeld = release;
    }

    synchronized void releaseMemory() {
        if (memoryHeld != null) {
            memoryHeld.run();
            memoryHeld = null;
        }
    }

    synchronized void resumedAs(Sandbox restored) {
        sandbox = restored;
        startMode = StartMode.RESTORED;
        hibernated = null;
        state = SessionState.ACTIVE;
    }

    synchronized SessionState state() {
        return state;
    }

    /** Ends the session once; its sandbox and image go with it (through onEnd). */
    void end() {
        synchronized (this) {
            if (state == SessionState.ENDED) {
                return;
            }
            state = SessionState.ENDED;
        }
        onEnd.accept(this);
    }

    /** The sandbox, for whoever tears it down after the end. */
    synchronized Sandbox takeSandbox() {
        Sandbox current = sandbox;
        sandbox = null;
        return current;
    }

    private Instant expiresAt() {
        Instant idleEnd = lastUsedAt.plus(spec.idleTimeout());
        return idleEnd.isBefore(endOfLife) ? idleEnd : endOfLife;
    }
}
