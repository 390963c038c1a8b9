package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.tenant.Tenant;
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

/**
 * Counts, per tenant (an API key's, or the one anonymous tenant of an open service), the runs that
 * end by hitting a limit; a tenant past the allowed rate is throttled for a cool-down. Every limit
 * hit and every throttling is logged.
 */
@ApplicationScoped
public class AbuseMonitor {

    private static final Logger LOG = Logger.getLogger(AbuseMonitor.class);
    static final Set<ExecutionStatus> LIMIT_HITS = EnumSet.of(ExecutionStatus.TIMEOUT, ExecutionStatus.MEMORY_LIMIT,
            ExecutionStatus.PROCESS_LIMIT, ExecutionStatus.OUTPUT_LIMIT);

    private static final class Record {
        final Deque<Long> hits = new ArrayDeque<>();
        long throttledUntilNanos;
    }

    private final AdmissionConfig.Abuse config;
    private final Map<String, Record> records = new ConcurrentHashMap<>();

    @Inject
    AbuseMonitor(AdmissionConfig config) {
        this(config.abuse());
    }

    AbuseMonitor(AdmissionConfig.Abuse config) {
        this.config = config;
    }

    void onFinished(@Observes ExecutionFinished finished) {
        Tenant tenant = finished.plan().tenant();
        if (!LIMIT_HITS.contains(finished.result().status())) {
            return;
        }
        Record record = records.computeIfAbsent(tenant.name(), name -> new Record());
        synchronized (record) {
            long now = System.nanoTime();
            record.hits.addLast(now);
            while (!record.hits.isEmpty() && now - record.hits.peekFirst() > config.window().toNanos()) {
                record.hits.removeFirst();
            }
            LOG.infof("tenant %s: run %s ended %s (%d limit hits in %s)", tenant.name(), finished.result().id(),
                    finished.result().status().value(), record.hits.size(), config.window());
            if (record.hits.size() >= config.maxLimitHits() && now >= record.throttledUntilNanos) {
                record.throttledUntilNanos = now + config.cooldown().toNanos();
                record.hits.clear();
                LOG.warnf("tenant %s throttled for %s: %d runs hit limits within %s", tenant.name(),
                        config.cooldown(), config.maxLimitHits(), config.window());
            }
        }
    }

    void check(Tenant tenant) {
        Record record = records.get(tenant.name());
        if (record == null) {
            return;
        }
        long remaining;
        synchronized (record) {
            remaining = record.throttledUntilNanos - System.nanoTime();
        }
        if (remaining > 0) {
            long seconds = Duration.ofNanos(remaining).toSeconds() + 1;
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.ABUSE,
                    "throttled: " + tenant.subject() + " may start no execution for " + seconds + " s more: "
                            + config.maxLimitHits() + " of its runs hit their limits (timeout, memory, processes,"
                            + " output) within " + config.window().toMinutes() + " min", seconds);
        }
    }
}
