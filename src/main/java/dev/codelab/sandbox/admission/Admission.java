package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.DaemonThreads;
import dev.codelab.sandbox.admission.AdmissionRejectedException.Reason;
import dev.codelab.sandbox.pool.PoolConfig;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one gate every run, session and cell passes ({@link Ticket}): a bound on executions running
 * at once (runs and cells), a memory budget that live sandboxes must fit in (runs and sessions), a
 * budget for what answers not yet written hold of the service's memory, and a bounded FIFO queue
 * with a bounded wait. Past a bound, and for a key over its own concurrency, rate or abuse limits,
 * the answer is an immediate 429 with Retry-After: a request never hangs. Leaving the queue (a
 * disconnect) frees its place. A request larger than a whole budget never gets here
 * (RequestValidator answers 400).
 */
@Startup
@ApplicationScoped
public class Admission {

    private static final Logger LOG = Logger.getLogger(Admission.class);

    /** The bounds besides memory. */
    record Bounds(int maxRunning, int maxQueued, Duration maxQueueWait) {
    }

    private enum State { WAITING, GRANTED, ABANDONED }

    /** What a ticket holds while admitted: a slot or not, sandbox memory (a session's or not), answer room. */
    record Cost(boolean slot, long memoryBytes, long answerBytes, boolean session) {
    }

    /** A queued request; its state changes only under the Admission's lock. */
    private static final class Waiter {
        final Ticket ticket;
        final Cost cost;
        final CompletableFuture<Permit> permit = new CompletableFuture<>();
        State state = State.WAITING;

        Waiter(Ticket ticket, Cost cost) {
            this.ticket = ticket;
            this.cost = cost;
        }
    }

    private final Bounds bounds;
    private final MemoryBudget memory;
    private final long answerBudgetBytes;
    private final RateLimiter rates;
    private final AbuseMonitor abuse;
    private final Deque<Waiter> queue = new ArrayDeque<>();
    private final Map<Tenant.Owner, Integer> admittedBy = new HashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("admission-queue-timeouts"));
    private int running;
    private long reservedBytes;
    private long reservedAnswerBytes;
    private long sessionBytes;
    private double averageRunMs = 1000;

    @Inject
    Admission(AdmissionConfig config, SandboxConfig sandbox, PoolConfig pool, RateLimiter rates, AbuseMonitor abuse,
              MeterRegistry registry) {
        // Two per core: runs wait on I/O and start-up as much as they compute.
        this(new Bounds(config.maxRunning().orElse(2 * Runtime.getRuntime().availableProcessors()),
                config.maxQueued(), config.maxQueueWait()), budget(config.memory(), sandbox, pool),
                config.answers().budgetMb().orElse((int) (Runtime.getRuntime().maxMemory() / 4 / MemoryBudget.MIB))
                        * MemoryBudget.MIB, rates, abuse);
        LOG.infof("admission: %d executions at once, %d queued for at most %d ms", bounds.maxRunning(),
                bounds.maxQueued(), bounds.maxQueueWait().toMillis());
        LOG.infof("admission: memory budget %d MiB for running executions = %s; a run holds its memoryMb + %d MiB,"
                + " so the largest memoryMb that fits is %d", memory.bytes() / MemoryBudget.MIB, memory.derivation(),
                memory.runOverheadMb(), memory.largestRunMb());
        LOG.infof("admission: %d MiB for answers not yet written (their input and output, by their limits)",
                answerBudgetBytes / MemoryBudget.MIB);
        if (memory.largestRunMb() == 0) {
            LOG.error("admission: the memory budget holds no execution at all: every request will get 400;"
                    + " give the service more memory or set codelab.admission.memory.budget-mb");
        }
        registry.gauge("codelab_executions_queued", this, Admission::queued);
        Gauge.builder("codelab_admission_memory_budget_bytes", memory, MemoryBudget::bytes).baseUnit("bytes")
                .description("Memory that running executions may hold together").register(registry);
        Gauge.builder("codelab_admission_memory_reserved_bytes", this, Admission::reservedBytes).baseUnit("bytes")
                .description("Memory held by the live sandboxes admitted now: runs and sessions (memoryMb + overhead each)")
                .register(registry);
        Gauge.builder("codelab_sessions_memory_reserved_bytes", this, Admission::sessionBytes).baseUnit("bytes")
                .description("What live (not hibernated) sessions hold of the memory budget").register(registry);
        Gauge.builder("codelab_admission_answer_budget_bytes", this, Admission::answerBudgetBytes).baseUnit("bytes")
                .description("What answers not yet written may hold of the service's memory together").register(registry);
        Gauge.builder("codelab_admission_answer_reserved_bytes", this, Admission::reservedAnswerBytes).baseUnit("bytes")
                .description("What the admitted requests' answers may hold, by their limits").register(registry);
    }

    Admission(Bounds bounds, MemoryBudget memory, long answerBudgetBytes, RateLimiter rates, AbuseMonitor abuse) {
        this.bounds = bounds;
        this.memory = memory;
        this.answerBudgetBytes = answerBudgetBytes;
        this.rates = rates;
        this.abuse = abuse;
    }

    private static MemoryBudget budget(AdmissionConfig.Memory config, SandboxConfig sandbox, PoolConfig pool) {
        if (config.budgetMb().isPresent()) {
            return MemoryBudget.configured(config.budgetMb().getAsInt(), sandbox.sentryOverheadMb());
        }
        return MemoryBudget.derived(ServiceMemory.measure(), Runtime.getRuntime().maxMemory(), config.jvmNonHeapMb(),
                pool.enabled() ? pool.memoryBudgetMb() : 0, sandbox.sentryOverheadMb());
    }

    /** The largest memoryMb a request may ask for: more could never run here. */
    public int largestMemoryMb() {
        return memory.largestRunMb();
    }

    /** The budget, for a 400's detail: how much there is and where that figure comes from. */
    public String memoryBudget() {
        return memory.bytes() / MemoryBudget.MIB + " MiB for all running executions, each holding its memoryMb + "
                + memory.runOverheadMb() + " MiB";
    }

    /** The most room one answer may ask for: a request whose limits would need more is a 400. */
    public long answerBudgetBytes() {
        return answerBudgetBytes;
    }

    /**
     * A permit now, a permit after a wait in the queue, or a 429 (thrown at once, or as the Uni's
     * failure when the wait runs out). Cancel the Uni to leave the queue.
     */
    public Uni<Permit> admit(Ticket ticket) {
        Tenant tenant = ticket.tenant();
        Cost cost = new Cost(ticket.kind().slot(), ticket.memoryMb() > 0 ? memory.cost(ticket.memoryMb()) : 0,
                ticket.answerBytes(), ticket.kind() == Ticket.Kind.SESSION || ticket.kind() == Ticket.Kind.RESUME);
        if (cost.memoryBytes() > memory.bytes() || cost.answerBytes() > answerBudgetBytes) {
            throw new IllegalArgumentException(ticket + " can never fit the budgets");
        }
        if (ticket.kind().counted()) {
            abuse.check(tenant);
            rates.acquire(tenant);
        }
        Waiter waiter;
        synchronized (this) {
            if (cost.slot()) {
                refuseOverConcurrency(tenant, tenant.key(), tenant.policy().maxConcurrent(),
                        tenant.user() == null ? tenant.subject() : "this API key (all its users)");
                if (tenant.user() != null) {
                    refuseOverConcurrency(tenant, tenant.owner(), tenant.perUser().maxConcurrent(), tenant.subject());
                }
            }
            if (queue.isEmpty() && fits(cost)) {
                reserve(cost);
                countTenant(tenant, cost, 1);
                return Uni.createFrom().item(new Permit(this, tenant, cost));
            }
            if (queue.size() >= bounds.maxQueued()) {
                throw new AdmissionRejectedException(Reason.CAPACITY, "the service is at capacity: " + running
                        + " executions running, sandboxes holding " + reservedBytes / MemoryBudget.MIB + " of "
                        + memory.bytes() / MemoryBudget.MIB + " MiB, and " + queue.size() + " waiting",
                        retryAfterSeconds());
            }
            waiter = new Waiter(ticket, cost);
            queue.addLast(waiter);
            countTenant(tenant, cost, 1);
        }
        timers.schedule(() -> abandon(waiter), bounds.maxQueueWait().toMillis(), TimeUnit.MILLISECONDS);
        return Uni.createFrom().completionStage(waiter.permit)
                .onCancellation().invoke(() -> leave(waiter));
    }

    private void abandon(Waiter waiter) {
        if (withdraw(waiter)) {
            waiter.permit.completeExceptionally(new AdmissionRejectedException(Reason.CAPACITY,
                    "no execution slot became free within " + bounds.maxQueueWait().toMillis() + " ms",
                    retryAfterSeconds()));
        }
    }

    /** The client left: free its place, or its slot if it was granted meanwhile. */
    private void leave(Waiter waiter) {
        if (!withdraw(waiter)) {
            waiter.permit.thenAccept(Permit::release);
        }
    }

    /** Takes a waiting request out of the queue; false if it was granted (or taken out) before. */
    private boolean withdraw(Waiter waiter) {
        List<Waiter> granted;
        synchronized (this) {
            if (waiter.state != State.WAITING) {
                return false;
            }
            waiter.state = State.ABANDONED;
            queue.remove(waiter);
            countTenant(waiter.ticket.tenant(), waiter.cost, -1);
            granted = grantWaiting(); // a large request leaving the head may let smaller ones behind it run
        }
        complete(granted);
        return true;
    }

    void release(Tenant tenant, Cost cost, long heldMs) {
        List<Waiter> granted;
        synchronized (this) {
            if (cost.slot()) {
                averageRunMs = 0.8 * averageRunMs + 0.2 * heldMs;
                running--;
            }
            countTenant(tenant, cost, -1);
            reservedBytes -= cost.memoryBytes();
            reservedAnswerBytes -= cost.answerBytes();
            sessionBytes -= cost.session() ? cost.memoryBytes() : 0;
            granted = grantWaiting();
        }
        complete(granted);
    }

    private void refuseOverConcurrency(Tenant tenant, Tenant.Owner owner, Integer limit, String who) {
        if (limit != null && admittedBy.getOrDefault(owner, 0) >= limit) {
            throw new AdmissionRejectedException(Reason.CAPACITY, who + " may run " + limit + " executions at once",
                    retryAfterSeconds());
        }
    }

    /**
     * A key's maxConcurrent (and its users' own) counts what runs or waits to run: runs and cells, not
     * sessions. An owner with nothing admitted leaves the map, which so holds only who is running.
     */
    private void countTenant(Tenant tenant, Cost cost, int delta) {
        if (cost.slot()) {
            admittedBy.merge(tenant.key(), delta, (a, b) -> a + b == 0 ? null : a + b);
            if (tenant.user() != null) {
                admittedBy.merge(tenant.owner(), delta, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
    }

    /** Grants the queue's head while it fits, in order: a large request is not overtaken by small ones. */
    private List<Waiter> grantWaiting() {
        List<Waiter> granted = new ArrayList<>();
        while (!queue.isEmpty() && fits(queue.peekFirst().cost)) {
            Waiter next = queue.pollFirst();
            next.state = State.GRANTED;
            reserve(next.cost);
            granted.add(next);
        }
        return granted;
    }

    private void complete(List<Waiter> granted) {
        for (Waiter waiter : granted) {
            waiter.permit.complete(new Permit(this, waiter.ticket.tenant(), waiter.cost));
        }
    }

    private boolean fits(Cost cost) {
        return (!cost.slot() || running < bounds.maxRunning()) && reservedBytes + cost.memoryBytes() <= memory.bytes()
                && reservedAnswerBytes + cost.answerBytes() <= answerBudgetBytes;
    }

    private void reserve(Cost cost) {
        if (cost.slot()) {
            running++;
        }
        reservedBytes += cost.memoryBytes();
        reservedAnswerBytes += cost.answerBytes();
        sessionBytes += cost.session() ? cost.memoryBytes() : 0;
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized long reservedBytes() {
        return reservedBytes;
    }

    synchronized long sessionBytes() {
        return sessionBytes;
    }

    synchronized long reservedAnswerBytes() {
        return reservedAnswerBytes;
    }

    /** Slots taken now (runs and cells admitted). */
    synchronized int running() {
        return running;
    }

    /** The time until a slot is likely free: the queue ahead, at the recent run length. */
    private synchronized long retryAfterSeconds() {
        return Math.min(60, (long) Math.ceil(averageRunMs * (queue.size() + 1) / bounds.maxRunning() / 1000.0));
    }
}
