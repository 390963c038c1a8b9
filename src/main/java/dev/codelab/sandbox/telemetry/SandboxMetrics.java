package dev.codelab.sandbox.telemetry;

import dev.codelab.sandbox.pool.PoolMetrics;
import dev.codelab.sandbox.sandbox.StartMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.function.Supplier;

/** Prometheus figures of sandbox start-up: how each run got its sandbox, restore and checkpoint times. */
@ApplicationScoped
public class SandboxMetrics implements PoolMetrics {

    private final MeterRegistry registry;

    SandboxMetrics(MeterRegistry registry) {
        this.registry = registry;
        restoreFailures(); // at 0 from the start, so that the first failure is an increase
    }

    /** Time from a request's acquisition of a sandbox to the sandbox being ready for its code. */
    @Override
    public void acquired(StartMode mode, Duration took) {
        Counter.builder("codelab_sandbox_starts_total").description("Sandboxes given to runs, by how they started")
                .tag("mode", mode.value()).register(registry).increment();
        Timer.builder("codelab_sandbox_start").description("Time to get a sandbox ready for a run")
                .tag("mode", mode.value()).publishPercentileHistogram().register(registry).record(took);
    }

    @Override
    public void restored(Duration took) {
        Timer.builder("codelab_sandbox_restore").description("Restores from a checkpoint image")
                .register(registry).record(took);
    }

    @Override
    public void restoreFailed() {
        restoreFailures().increment();
    }

    private Counter restoreFailures() {
        return Counter.builder("codelab_sandbox_restore_failures_total").description("Restores that failed")
                .register(registry);
    }

    @Override
    public void checkpointed(Duration took) {
        Timer.builder("codelab_sandbox_checkpoint").description("Checkpoint images made (import + checkpoint)")
                .register(registry).record(took);
    }

    @Override
    public void poolSize(String language, String profile, Supplier<Number> size) {
        // Gauge.builder with a supplier holds it strongly: registry.gauge(..., obj, fn) holds obj weakly,
        // and a lambda nothing else references is collected, leaving the gauge at NaN.
        io.micrometer.core.instrument.Gauge.builder("codelab_pool_ready_sandboxes", size)
                .tag("language", language).tag("profile", profile).description("Restored sandboxes waiting in the pool").register(registry);
    }
}
