package dev.codelab.sandbox.telemetry;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.RunningExecutions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Prometheus figures of executions: counts by language and status, durations, CPU, memory. */
@ApplicationScoped
public class ExecutionMetrics implements RunningExecutions {

    private final MeterRegistry registry;
    private final AtomicInteger running = new AtomicInteger();

    ExecutionMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("codelab_executions_running", running);
    }

    /** A run that was turned away, by reason: capacity, rate, abuse, auth. */
    public void rejected(String reason) {
        Counter.builder("codelab_rejections_total").description("Requests turned away before running, by reason")
                .tag("reason", reason).register(registry).increment();
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
        Counter.builder("codelab_executions_total").description("Executions by language and status")
                .tag("language", language).tag("status", result.status().value())
                .register(registry).increment();
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
