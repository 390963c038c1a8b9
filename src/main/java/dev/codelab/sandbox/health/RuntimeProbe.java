package dev.codelab.sandbox.health;

import dev.codelab.sandbox.DaemonThreads;
import dev.codelab.sandbox.execution.ExecutionConfig;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.pool.WarmPool;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.Sandboxes;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks that sandboxes can run: the host's prerequisites, then a canary sandbox that reports the
 * runtime's versions. At start-up it first sweeps what an earlier process left, and its first round
 * makes the pool's checkpoint images; then it checks again every minute.
 */
@ApplicationScoped
public class RuntimeProbe {

    private static final Logger LOG = Logger.getLogger(RuntimeProbe.class);

    /** What users may be told; details go to the log. */
    public record Status(boolean started, boolean ready, String reason) {
    }

    private final Prerequisites prerequisites;
    private final Canary canary;
    private final Sandboxes sandboxes;
    private final WarmPool pool;
    private final SandboxLimits poolShape;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("runtime-probe"));
    private volatile Status status = new Status(false, false, "start-up checks are running");
    private volatile RuntimeVersions versions = new RuntimeVersions(null, Map.of());

    RuntimeProbe(Prerequisites prerequisites, Canary canary, Sandboxes sandboxes, WarmPool pool,
                 ExecutionConfig executions, io.micrometer.core.instrument.MeterRegistry registry) {
        io.micrometer.core.instrument.Gauge.builder("codelab_ready", () -> status.ready() ? 1 : 0)
                .description("1 while sandboxes can run (readiness), else 0").register(registry);
        this.prerequisites = prerequisites;
        this.canary = canary;
        this.sandboxes = sandboxes;
        this.pool = pool;
        this.poolShape = defaultRun(executions.defaults());
    }

    void onStart(@Observes StartupEvent event) {
        sandboxes.sweepLeftovers();
        schedule.scheduleWithFixedDelay(this::probe, 0, 60, TimeUnit.SECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        schedule.shutdownNow();
    }

    public Status status() {
        return status;
    }

    /** Throws the 503 of the API when sandboxes cannot run now. */
    public void requireReady() {
        Status now = status;
        if (!now.ready()) {
            throw new SandboxUnavailableException(now.reason());
        }
    }

    public RuntimeVersions versions() {
        return versions;
    }

    private void probe() {
        try {
            String problem = prerequisites.problem();
            if (problem == null && !status.started()) {
                pool.prepare(poolShape); // the first round makes the checkpoint images before saying "started"
            }
            if (problem == null) {
                problem = canary();
            }
            if (problem != null && (status.ready() || !status.started())) {
                LOG.warnf("sandboxes cannot run: %s", problem);
            }
            if (problem == null && !status.ready()) {
                LOG.infof("sandboxes ready: python %s %s", versions.version(), versions.packages());
            }
            status = new Status(true, problem == null, problem);
        } catch (RuntimeException e) {
            LOG.error("runtime probe failed", e);
            status = new Status(true, false, "the runtime check failed");
        }
    }

    /** Null when the canary ran and told its versions, else a reason fit for users. */
    private String canary() {
        Optional<RuntimeVersions> found = canary.run();
        found.ifPresent(known -> versions = known);
        return found.isPresent() ? null : "a canary sandbox failed";
    }

    /** The pool's images are made for runs of the default limits: most runs can then have a restored sandbox. */
    private static SandboxLimits defaultRun(ExecutionConfig.Limits defaults) {
        return new SandboxLimits(defaults.timeoutMs(), defaults.cpus(), defaults.memoryMb(), defaults.pids(),
                defaults.outputBytes(), defaults.diskMb());
    }
}
