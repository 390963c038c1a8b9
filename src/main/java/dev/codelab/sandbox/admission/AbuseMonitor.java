package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Counts, per tenant (an API key's, or the one anonymous tenant of an open service), the runs that
 * end by hitting a limit and the runs seen probing their sandbox; a tenant past either allowed rate
 * is throttled for a cool-down. Every such run and every throttling is logged.
 */
@ApplicationScoped
public class AbuseMonitor {

    private static final Logger LOG = Logger.getLogger(AbuseMonitor.class);
    static final Set<ExecutionStatus> LIMIT_HITS = EnumSet.of(ExecutionStatus.TIMEOUT, ExecutionStatus.MEMORY_LIMIT,
            ExecutionStatus.PROCESS_LIMIT, ExecutionStatus.OUTPUT_LIMIT);

    private static final class Record {
        final Deque<Long> hits = new ArrayDeque<>();
        final Deque<Long> probes = new ArrayDeque<>();
        long throttledUntilNanos;
        String reason;
    }

    private final AdmissionConfig.Abuse config;
    private final Map<String, Record> records = new ConcurrentHashMap<>();

    @Inject
    AbuseMonitor(AdmissionConfig config, MeterRegistry registry) {
        this(config.abuse());
        Gauge.builder("codelab_throttled_subjects", this, AbuseMonitor::throttledNow).tag("kind", "key")
                .description("API keys (or the anonymous tenant) throttled for abuse now").register(registry);
    }

    AbuseMonitor(AdmissionConfig.Abuse config) {
        this.config = config;
    }

    void onFinished(@Observes ExecutionFinished finished) {
        Tenant tenant = finished.plan().tenant();
        String id = finished.result().id();
        if (LIMIT_HITS.contains(finished.result().status())) {
            count(tenant, record -> record.hits, config.maxLimitHits(), "run " + id + " ended " + finished.result().status().value(),
                    "of its runs hit their limits (timeout, memory, processes, output)");
        }
        SecurityEvents seen = finished.securityEvents();
        if (seen != null && seen.total() > 0) {
            count(tenant, record -> record.probes, config.maxProbingRuns(), "run " + id + " probed its sandbox " + seen,
                    "of its runs probed their sandbox (network, programs, protected files, privileges)");
        }
    }

    /** How many tenants are throttled at this moment. */
    long throttledNow() {
        long now = System.nanoTime();
        return records.values().stream().filter(record -> {
            synchronized (record) {
                return record.throttledUntilNanos - now > 0;
            }
        }).count();
    }

    void check(Tenant tenant) {
        Record record = records.get(tenant.name());
        if (record == null) {
            return;
        }
        long remaining;
        String reason;
        synchronized (record) {
            remaining = record.throttledUntilNanos - System.nanoTime();
            reason = record.reason;
        }
        if (remaining > 0) {
            long seconds = Duration.ofNanos(remaining).toSeconds() + 1;
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.ABUSE,
                    "throttled: " + tenant.subject() + " may start no execution for " + seconds + " s more: "
                            + reason + " within " + config.window().toMinutes() + " min", seconds);
        }
    }

    /** Counts one signal of a kind in the window; past {@code max}, throttles the tenant. */
    private void count(Tenant tenant, Function<Record, Deque<Long>> kind, int max, String what,
                       String why) {
        Record record = records.computeIfAbsent(tenant.name(), name -> new Record());
        synchronized (record) {
            Deque<Long> signals = kind.apply(record);
            long now = System.nanoTime();
            signals.addLast(now);
            while (!signals.isEmpty() && now - signals.peekFirst() > config.window().toNanos()) {
                signals.removeFirst();
            }
            LOG.infof("tenant %s: %s (%d such runs in %s)", tenant.name(), what, signals.size(), config.window());
            if (signals.size() >= max && now >= record.throttledUntilNanos) {
                record.throttledUntilNanos = now + config.cooldown().toNanos();
                record.reason = max + " " + why;
                signals.clear();
                LOG.warnf("tenant %s throttled for %s: %s within %s", tenant.name(), config.cooldown(), record.reason,
                        config.window());
            }
        }
    }
}
