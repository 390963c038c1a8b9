package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Counts, per subject (an API key acting as itself, the one anonymous tenant of an open service, or
 * one end user of a delegating key), the runs that end by hitting a limit and the runs seen probing
 * their sandbox; a subject past either allowed number within the window is throttled for a
 * cool-down: that user only, never the key's other users. Every such run and every throttling is
 * logged. At most {@code tracked-subjects} are remembered: memory does not grow with every user ever seen.
 */
@ApplicationScoped
public class AbuseMonitor {

    private static final Logger LOG = Logger.getLogger(AbuseMonitor.class);
    static final Set<ExecutionStatus> LIMIT_HITS = EnumSet.of(ExecutionStatus.TIMEOUT, ExecutionStatus.MEMORY_LIMIT,
            ExecutionStatus.PROCESS_LIMIT, ExecutionStatus.OUTPUT_LIMIT);

    private final AdmissionConfig.Abuse config;
    private final Map<Tenant.Owner, SubjectRecord> records = new ConcurrentHashMap<>();

    @Inject
    AbuseMonitor(AdmissionConfig config, MeterRegistry registry) {
        this(config.abuse());
        for (String kind : List.of("key", "user")) {
            Gauge.builder("codelab_throttled_subjects", this, monitor -> monitor.throttledNow(kind.equals("user")))
                    .tag("kind", kind).description("API keys (kind key) or end users of delegating keys (kind user) throttled for abuse now")
                    .register(registry);
        }
    }

    AbuseMonitor(AdmissionConfig.Abuse config) {
        this.config = config;
    }

    void onFinished(@Observes ExecutionFinished finished) {
        Tenant tenant = finished.plan().tenant();
        ExecutionResult result = finished.result();
        SecurityEvents seen = finished.securityEvents();
        boolean limitHit = LIMIT_HITS.contains(result.status());
        long events = seen == null ? 0 : seen.total();
        long now = System.nanoTime();
        SubjectRecord record = track(tenant.owner(), now);
        if (record == null) {
            return;
        }
        record.ran(now, limitHit, events, result.usage().cpuMs());
        KeyPolicy.Abuse own = tenant.perUser().abuseOrNone();
        if (limitHit) {
            count(tenant, record, r -> r.hits, orElse(own.maxLimitHits(), config.maxLimitHits()),
                    "run " + result.id() + " ended " + result.status().value(),
                    "of its runs hit their limits (timeout, memory, processes, output)");
        }
        if (seen != null && seen.probing(config.probingRefusedCalls(), config.probingExecs())) {
            count(tenant, record, r -> r.probes, orElse(own.maxProbingRuns(), config.maxProbingRuns()),
                    "run " + result.id() + " probed its sandbox " + seen,
                    "of its runs probed their sandbox (protected files, privileges, refused calls, programs in a loop)");
        }
    }

    /** 429 while this request's subject is throttled (a user's: only that user). */
    void check(Tenant tenant) {
        SubjectRecord record = records.get(tenant.owner());
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

    /** How many keys (or end users) are throttled at this moment. */
    long throttledNow(boolean users) {
        long now = System.nanoTime();
        return records.entrySet().stream().filter(entry -> (entry.getKey().user() != null) == users)
                .filter(entry -> entry.getValue().throttled(now)).count();
    }

    /** The window as GET /q/codelab/abuse shows it: who is throttled, and who did most of what. */
    public AbuseReport report(int top) {
        long now = System.nanoTime();
        List<AbuseReport.Subject> all = records.entrySet().stream().map(entry -> {
            SubjectRecord record = entry.getValue();
            long remaining;
            String reason;
            synchronized (record) {
                remaining = record.throttledUntilNanos - now;
                reason = remaining > 0 ? record.reason : null;
            }
            return new AbuseReport.Subject(entry.getKey().tenant(), entry.getKey().user(), record.activity(now),
                    remaining > 0 ? Duration.ofNanos(remaining).toSeconds() + 1 : null, reason);
        }).toList();
        return new AbuseReport(config.window().toString(), records.size(), config.trackedSubjects(),
                all.stream().filter(subject -> subject.throttledForSeconds() != null).toList(),
                topBy(all, top, AbuseReport.Activity::limitHits), topBy(all, top, AbuseReport.Activity::securityEvents),
                topBy(all, top, AbuseReport.Activity::cpuMs));
    }

    private static List<AbuseReport.Subject> topBy(List<AbuseReport.Subject> all, int top,
                                                   java.util.function.ToLongFunction<AbuseReport.Activity> measure) {
        return all.stream().filter(subject -> measure.applyAsLong(subject.activity()) > 0)
                .sorted(Comparator.comparingLong((AbuseReport.Subject subject) -> measure.applyAsLong(subject.activity())).reversed())
                .limit(top).toList();
    }

    int tracked() {
        return records.size();
    }

    /** Every minute: subjects with nothing in the window, and not throttled, are forgotten. */
    @Scheduled(every = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetIdle() {
        long now = System.nanoTime();
        records.values().removeIf(record -> record.idle(now));
    }

    /**
     * The subject's record, made if new. At the bound the idle are forgotten, then the least active
     * tenth of the rest (never one throttled now); null only if every one remembered is throttled.
     */
    private SubjectRecord track(Tenant.Owner owner, long now) {
        SubjectRecord known = records.get(owner);
        if (known != null) {
            return known;
        }
        synchronized (records) {
            if (records.size() >= config.trackedSubjects()) {
                forgetIdle();
            }
            if (records.size() >= config.trackedSubjects()) {
                records.entrySet().stream().filter(entry -> !entry.getValue().throttled(now))
                        .sorted(Comparator.comparingLong(entry -> entry.getValue().activity(now).weight()))
                        .limit(Math.max(1, config.trackedSubjects() / 10)).map(Map.Entry::getKey).toList()
                        .forEach(records::remove);
            }
            if (records.size() >= config.trackedSubjects()) {
                LOG.warnf("abuse: %d subjects throttled at once, the most remembered: %s is not counted",
                        records.size(), owner);
                return null;
            }
            return records.computeIfAbsent(owner, key -> new SubjectRecord(config.window().toNanos(), now));
        }
    }

    /** Counts one signal of a kind in the window; at {@code max}, throttles the subject. */
    private void count(Tenant tenant, SubjectRecord record, Function<SubjectRecord, Deque<Long>> kind, int max,
                       String what, String why) {
        String who = tenant.user() == null ? tenant.name() : tenant.name() + " user " + tenant.user();
        synchronized (record) {
            Deque<Long> signals = kind.apply(record);
            long now = System.nanoTime();
            signals.addLast(now);
            while (!signals.isEmpty() && now - signals.peekFirst() > config.window().toNanos()) {
                signals.removeFirst();
            }
            LOG.infof("tenant %s: %s (%d such runs in %s)", who, what, signals.size(), config.window());
            if (signals.size() >= max && now >= record.throttledUntilNanos) {
                record.throttledUntilNanos = now + config.cooldown().toNanos();
                record.reason = max + " " + why;
                signals.clear();
                LOG.warnf("tenant %s throttled for %s: %s within %s", who, config.cooldown(), record.reason,
                        config.window());
            }
        }
    }

    private static int orElse(Integer own, int service) {
        return own == null ? service : own;
    }
}
