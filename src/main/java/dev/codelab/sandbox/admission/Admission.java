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
 * A bound on executions running at once, a memory budget their memory must fit in, and a bounded
 * FIFO queue with a bounded wait. Past either bound, and for a key over its own concurrency, rate
 * or abuse limits, the answer is an immediate 429 with Retry-After: a request never hangs. Leaving
 * the queue (a disconnect) frees its place. A run larger than the whole budget never gets here
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

    /** A queued request; its state changes only under the Admission's lock. */
    private static final class Waiter {
        final Tenant tenant;
        final long bytes;
        final CompletableFuture<Permit> permit = new CompletableFuture<>();
        State state = State.WAITING;

        Waiter(Tenant tenant, long bytes) {
            this.tenant = tenant;
            this.bytes = bytes;
        }
    }

    private final Bounds bounds;
    private final MemoryBudget memory;
    private final RateLimiter rates;
    private final AbuseMonitor abuse;
    private final Deque<Waiter> queue = new ArrayDeque<>();
    private final Map<String, Integer> admittedByTenant = new HashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("admission-queue-timeouts"));
    private int running;
    private long reservedBytes;
    private double averageRunMs = 1000;

    @Inject
    Admission(AdmissionConfig config, SandboxConfig sandbox, PoolConfig pool, RateLimiter rates, AbuseMonitor abuse,
              MeterRegistry registry) {
        // Two per core: runs wait on I/O and start-up as much as they compute.
        this(new Bounds(config.maxRunning().orElse(2 * Runtime.getRuntime().availableProcessors()),
                config.maxQueued(), config.maxQueueWait()), budget(config.memory(), sandbox, pool), rates, abuse);
        LOG.infof("admission: %d executions at once, %d queued for at most %d ms", bounds.maxRunning(),
                bounds.maxQueued(), bounds.maxQueueWait().toMillis());
        LOG.infof("admission: memory budget %d MiB for running executions = %s; a run holds its memoryMb + %d MiB,"
                + " so the largest memoryMb that fits is %d", memory.bytes() / MemoryBudget.MIB, memory.derivation(),
                memory.runOverheadMb(), memory.largestRunMb());
        if (memory.largestRunMb() == 0) {
            LOG.error("admission: the memory budget holds no execution at all: every request will get 400;"
                    + " give the service more memory or set codelab.admission.memory.budget-mb");
        }
        registry.gauge("codelab_executions_queued", this, Admission::queued);
        Gauge.builder("codelab_admission_memory_budget_bytes", memory, MemoryBudget::bytes).baseUnit("bytes")
                .description("Memory that running executions may hold together").register(registry);
        Gauge.builder("codelab_admission_memory_reserved_bytes", this, Admission::reservedBytes).baseUnit("bytes")
                .description("Memory held by the executions admitted now (memoryMb + sandbox overhead each)")
                .register(registry);
    }

    Admission(Bounds bounds, MemoryBudget memory, RateLimiter rates, AbuseMonitor abuse) {
        this.bounds = bounds;
        this.memory = memory;
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

    /**
     * A permit now, a permit after a wait in the queue, or a 429 (thrown at once, or as the Uni's
     * failure when the wait runs out). Cancel the Uni to leave the queue.
     */
    public Uni<Permit> admit(Tenant tenant, int memoryMb) {
        long bytes = memory.cost(memoryMb);
        if (bytes > memory.bytes()) {
            throw new IllegalArgumentException("memoryMb " + memoryMb + " can never fit the memory budget");
        }
        abuse.check(tenant);
        rates.acquire(tenant);
        Waiter waiter;
        synchronized (this) {
            Integer ownLimit = tenant.policy().maxConcurrent();
            int own = admittedByTenant.getOrDefault(tenant.name(), 0);
            if (ownLimit != null && own >= ownLimit) {
                throw new AdmissionRejectedException(Reason.CAPACITY, tenant.subject() + " may run " + ownLimit
                        + " executions at once", retryAfterSeconds());
            }
            if (queue.isEmpty() && fits(bytes)) {
                reserve(bytes);
                admittedByTenant.merge(tenant.name(), 1, Integer::sum);
                return Uni.createFrom().item(new Permit(this, tenant, bytes));
            }
            if (queue.size() >= bounds.maxQueued()) {
                throw new AdmissionRejectedException(Reason.CAPACITY, "the service is at capacity: " + running
                        + " executions running, holding " + reservedBytes / MemoryBudget.MIB + " of "
                        + memory.bytes() / MemoryBudget.MIB + " MiB, and " + queue.size() + " waiting",
                        retryAfterSeconds());
            }
            waiter = new Waiter(tenant, bytes);
            queue.addLast(waiter);
            admittedByTenant.merge(tenant.name(), 1, Integer::sum);
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
            admittedByTenant.merge(waiter.tenant.name(), -1, Integer::sum);
            granted = grantWaiting(); // a large request leaving the head may let smaller ones behind it run
        }
        complete(granted);
        return true;
    }

    void release(Tenant tenant, long bytes, long heldMs) {
        List<Waiter> granted;
        synchronized (this) {
            averageRunMs = 0.8 * averageRunMs + 0.2 * heldMs;
            admittedByTenant.merge(tenant.name(), -1, Integer::sum);
            running--;
            reservedBytes -= bytes;
            granted = grantWaiting();
        }
        complete(granted);
    }

    /** Grants the queue's head while it fits, in order: a large request is not overtaken by small ones. */
    private List<Waiter> grantWaiting() {
        List<Waiter> granted = new ArrayList<>();
        while (!queue.isEmpty() && fits(queue.peekFirst().bytes)) {
            Waiter next = queue.pollFirst();
            next.state = State.GRANTED;
            reserve(next.bytes);
            granted.add(next);
        }
        return granted;
    }

    private void complete(List<Waiter> granted) {
        for (Waiter waiter : granted) {
            waiter.permit.complete(new Permit(this, waiter.tenant, waiter.bytes));
        }
    }

    private boolean fits(long bytes) {
        return running < bounds.maxRunning() && reservedBytes + bytes <= memory.bytes();
    }

    private void reserve(long bytes) {
        running++;
        reservedBytes += bytes;
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized long reservedBytes() {
        return reservedBytes;
    }

    /** The time until a slot is likely free: the queue ahead, at the recent run length. */
    private synchronized long retryAfterSeconds() {
        return Math.min(60, (long) Math.ceil(averageRunMs * (queue.size() + 1) / bounds.maxRunning() / 1000.0));
    }
}
