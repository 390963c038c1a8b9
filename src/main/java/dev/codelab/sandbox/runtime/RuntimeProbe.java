package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.DaemonThreads;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.admission.Tenant;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.execution.ResultAggregator;
import dev.codelab.sandbox.pool.WarmPool;
import dev.codelab.sandbox.sandbox.CgroupHierarchy;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.Sandboxes;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks that sandboxes can run: runsc answers, each image is present, and a canary sandbox
 * runs and reports the runtime's versions. Runs at start-up, then again every minute.
 */
@ApplicationScoped
public class RuntimeProbe {

    private static final Logger LOG = Logger.getLogger(RuntimeProbe.class);
    private static final String CANARY = """
            import sys, json, importlib.metadata as metadata
            print(json.dumps({"version": sys.version.split()[0],
                              "packages": {name: metadata.version(name) for name in ("numpy", "pandas", "matplotlib")}}))
            """;
    private static final SandboxLimits CANARY_LIMITS = new SandboxLimits(30_000, 1, 256, 64, 65_536, 64);

    /** What users may be told; details go to the log. */
    public record Status(boolean started, boolean ready, String reason) {
    }

    /** Versions found by the canary, shown by GET /v1/runtimes. */
    @RegisterForReflection
    public record Versions(String version, Map<String, String> packages) {
    }

    private final RuntimeCatalog catalog;
    private final ExecutionService executions;
    private final Sandboxes sandboxes;
    private final WarmPool pool;
    private final SandboxConfig sandboxConfig;
    private final CgroupHierarchy cgroups;
    private final ObjectMapper json;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("runtime-probe"));
    private volatile Status status = new Status(false, false, "start-up checks are running");
    private volatile Versions versions = new Versions(null, Map.of());

    RuntimeProbe(RuntimeCatalog catalog, ExecutionService executions, Sandboxes sandboxes, WarmPool pool,
                 SandboxConfig sandboxConfig, CgroupHierarchy cgroups, ObjectMapper json) {
        this.pool = pool;
        this.catalog = catalog;
        this.executions = executions;
        this.sandboxes = sandboxes;
        this.sandboxConfig = sandboxConfig;
        this.cgroups = cgroups;
        this.json = json;
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

    public Versions versions() {
        return versions;
    }

    private void probe() {
        try {
            String problem = prerequisites();
            if (problem == null && !status.started()) {
                pool.prepare(); // the first round makes the checkpoint images before saying "started"
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

    /** Null when runsc, cgroups, the runner and the images are there, else a reason fit for users (no host paths). */
    private String prerequisites() {
        if (!Sandbox.commandWorks(List.of(sandboxConfig.runsc(), "--version"))) {
            LOG.warnf("runsc binary '%s' does not run", sandboxConfig.runsc());
            return "runsc is not installed or does not run";
        }
        String cgroupProblem = cgroups.problem();
        if (cgroupProblem != null) {
            return cgroupProblem;
        }
        if (!sandboxes.runnerPresent()) {
            return "the sandbox runner is missing";
        }
        LanguageRuntime python = catalog.find(RuntimeCatalog.DEFAULT_LANGUAGE).orElseThrow();
        if (!Files.isExecutable(python.image().rootfs().resolve("usr/bin/python3"))) {
            LOG.warnf("python image not found at %s; build it with `make image`", python.image().rootfs());
            return "the python sandbox image is missing";
        }
        return null;
    }

    /** Runs a real sandbox the way executions do, and learns the runtime's versions from it. */
    private String canary() {
        LanguageRuntime python = catalog.find(RuntimeCatalog.DEFAULT_LANGUAGE).orElseThrow();
        ExecutionResult canary = ResultAggregator.aggregate(executions.execute(
                new ExecutionPlan(Tenant.PROBE, python, CANARY, "", List.of(), Map.of(), CANARY_LIMITS)))
                .await().atMost(Duration.ofSeconds(60));
        if (canary.status() != ExecutionStatus.OK) {
            LOG.warnf("canary sandbox ended %s (exit %s): %s", canary.status().value(), canary.exitCode(),
                    canary.stderr());
            return "a canary sandbox failed";
        }
        try {
            versions = json.readValue(canary.stdout(), Versions.class);
        } catch (java.io.IOException e) {
            LOG.warnf("canary printed no versions: %s", canary.stdout());
            return "a canary sandbox failed";
        }
        return null;
    }
}
