package dev.codelab.sandbox.telemetry;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.execution.RunningExecutions;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Prometheus figures of executions: counts by language and status, durations, CPU, memory. */
@ApplicationScoped
public class ExecutionMetrics implements RunningExecutions {

    /** The `reason` label of codelab_rejections_total: admission's reasons, a bad key, a key's sessions. */
    public static final List<String> REJECTION_REASONS = List.of("capacity", "rate", "abuse", "auth", "sessions");

    private final MeterRegistry registry;
    private final AtomicInteger running = new AtomicInteger();

    /**
     * Every counter a first event would make is made at 0 now: Prometheus's rate() and increase()
     * see nothing of a series that appears at 1, so the first timeout or 429 would be lost to alerts.
     */
    ExecutionMetrics(MeterRegistry registry, RuntimeCatalog catalog) {
        this.registry = registry;
        registry.gauge("codelab_executions_running", running);
        for (String language : catalog.languages()) {
            for (ExecutionStatus status : ExecutionStatus.values()) {
                executions(language, status.value());
            }
        }
        REJECTION_REASONS.forEach(this::rejections);
    }

    /** A run that was turned away, by one of {@link #REJECTION_REASONS}. */
    public void rejected(String reason) {
        rejections(reason).increment();
    }

    private Counter rejections(String reason) {
        return Counter.builder("codelab_rejections_total").description("Requests turned away before running, by reason")
                .tag("reason", reason).register(registry);
    }

    private Counter executions(String language, String status) {
        return Counter.builder("codelab_executions_total").description("Executions by language and status")
                .tag("language", language).tag("status", status).register(registry);
    }

    @Override
    public void started() {
        running.incrementAndGet();
    }

    @Override
    public void ended() {
        running.decrementAndGet();
    }

    void onFinished(@Observes ExecutionFinished finished) {
        ExecutionResult result = finished.result();
        String language = result.language();
        executions(language, result.status().value()).increment();
        Timer.builder("codelab_execution_duration").description("Wall time of executions")
                .tag("language", language).publishPercentileHistogram()
                .register(registry).record(Duration.ofMillis(result.usage().wallMs()));
        DistributionSummary.builder("codelab_execution_cpu_seconds").description("CPU time of executions")
                .tag("language", language).register(registry).record(result.usage().cpuMs() / 1000.0);
        DistributionSummary.builder("codelab_execution_memory_peak_bytes").baseUnit("bytes")
                .description("Peak memory of a sandbox (host cgroup)")
                .tag("language", language).register(registry).record(result.usage().memoryPeakBytes());
    }
}
