package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.DaemonThreads;
import dev.codelab.sandbox.admission.AdmissionRejectedException.Reason;
import dev.codelab.sandbox.execution.ExecutionConfig;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bound on executions running at once and a bounded queue with a bounded wait. Past either
 * bound, and for a key over its own concurrency, rate or abuse limits, the answer is an
 * immediate 429 with Retry-After: a request never hangs. Leaving the queue (a disconnect) frees
 * its place.
 */
@Startup
@ApplicationScoped
public class Admission {

    private static final Logger LOG = Logger.getLogger(Admission.class);

    private enum State { WAITING, GRANTED, ABANDONED }

    private static final class Waiter {
        final Tenant tenant;
        final CompletableFuture<Permit> permit = new CompletableFuture<>();
        final AtomicReference<State> state = new AtomicReference<>(State.WAITING);

        Waiter(Tenant tenant) {
            this.tenant = tenant;
        }
    }

    private final int maxRunning;
    private final int maxQueued;
    private final long maxWaitMs;
    private final RateLimiter rates;
    private final AbuseMonitor abuse;
    private final Deque<Waiter> queue = new ArrayDeque<>();
    private final Map<String, Integer> admittedByTenant = new HashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("admission-queue-timeouts"));
    private int running;
    private double averageRunMs = 1000;

    Admission(AdmissionConfig config, ExecutionConfig executions, SandboxConfig sandbox, RateLimiter rates,
              AbuseMonitor abuse, MeterRegistry registry) {
        this.maxRunning = config.maxRunning().orElseGet(() -> machineBound(executions, sandbox));
        this.maxQueued = config.maxQueued();
        this.maxWaitMs = config.maxQueueWait().toMillis();
        this.rates = rates;
        this.abuse = abuse;
        LOG.infof("admission: %d executions at once, %d queued for at most %d ms", maxRunning, maxQueued, maxWaitMs);
        registry.gauge("codelab_executions_queued", this, Admission::queued);
    }

    /**
     * Two per core (runs wait on I/O and start-up as much as they compute), and no more than the
     * machine's memory holds at the default memoryMb.
     */
    private static int machineBound(ExecutionConfig executions, SandboxConfig sandbox) {
        int cores = Runtime.getRuntime().availableProcessors();
        long perRun = (executions.defaults().memoryMb() + sandbox.sentryOverheadMb()) * 1024L * 1024L;
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() - 1024L * 1024 * 1024;
        return (int) Math.max(1, Math.min(2L * cores, memory / perRun));
    }

    /**
     * A permit now, a permit after a wait in the queue, or a 429 (thrown at once, or as the Uni's
     * failure when the wait runs out). Cancel the Uni to leave the queue.
     */
    public Uni<Permit> admit(Tenant tenant) {
        abuse.check(tenant);
        rates.acquire(tenant);
        Waiter waiter;
        synchronized (this) {
            Integer ownLimit = tenant.policy().maxConcurrent();
            int own = admittedByTenant.getOrDefault(tenant.name(), 0);
            if (ownLimit != null && own >= ownLimit) {
                throw new AdmissionRejectedException(Reason.CAPACITY, "this API key may run " + ownLimit
                        + " executions at once", retryAfterSeconds());
            }
            if (running < maxRunning) {
                running++;
                admittedByTenant.merge(tenant.name(), 1, Integer::sum);
                return Uni.createFrom().item(new Permit(this, tenant));
            }
            if (queue.size() >= maxQueued) {
                throw new AdmissionRejectedException(Reason.CAPACITY, "the service is at capacity: " + maxRunning
                        + " executions running and " + maxQueued + " waiting", retryAfterSeconds());
            }
            waiter = new Waiter(tenant);
            queue.addLast(waiter);
            admittedByTenant.merge(tenant.name(), 1, Integer::sum);
        }
        timers.schedule(() -> abandon(waiter), maxWaitMs, TimeUnit.MILLISECONDS);
        return Uni.createFrom().completionStage(waiter.permit)
                .onCancellation().invoke(() -> leave(waiter));
    }

    private void abandon(Waiter waiter) {
        if (waiter.state.compareAndSet(State.WAITING, State.ABANDONED)) {
            dequeue(waiter);
            waiter.permit.completeExceptionally(new AdmissionRejectedException(Reason.CAPACITY,
                    "no execution slot became free within " + maxWaitMs + " ms", retryAfterSeconds()));
        }
    }

    /** The client left: free its place, or its slot if it was granted meanwhile. */
    private void leave(Waiter waiter) {
        if (waiter.state.compareAndSet(State.WAITING, State.ABANDONED)) {
            dequeue(waiter);
        } else if (waiter.state.get() == State.GRANTED) {
            waiter.permit.thenAccept(Permit::release);
        }
    }

    private synchronized void dequeue(Waiter waiter) {
        if (queue.remove(waiter)) {
            admittedByTenant.merge(waiter.tenant.name(), -1, Integer::sum);
        }
    }

    void release(Tenant tenant, long heldMs) {
        Waiter next;
        synchronized (this) {
            averageRunMs = 0.8 * averageRunMs + 0.2 * heldMs;
            admittedByTenant.merge(tenant.name(), -1, Integer::sum);
            do {
                next = queue.pollFirst();
            } while (next != null && !next.state.compareAndSet(State.WAITING, State.GRANTED));
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.permit.complete(new Permit(this, next.tenant)); // the slot passes straight on
        }
    }

    synchronized int queued() {
        return queue.size();
    }

    /** The time until a slot is likely free: the queue ahead, at the recent run length. */
    private synchronized long retryAfterSeconds() {
        return Math.min(60, (long) Math.ceil(averageRunMs * (queue.size() + 1) / maxRunning / 1000.0));
    }
}
