package dev.codelab.sandbox.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.execution.ResultAggregator;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A real sandbox run the way executions run, which prints the runtime's versions. */
@ApplicationScoped
public class Canary {

    private static final Logger LOG = Logger.getLogger(Canary.class);
    /** Prints the interpreter's version and each listed distribution's, read from metadata (nothing imported). */
    private static final String CODE = """
            import sys, json, importlib.metadata as metadata
            print(json.dumps({"version": sys.version.split()[0],
                              "packages": {name: metadata.version(name) for name in %s}}))
            """;
    private static final SandboxLimits LIMITS = new SandboxLimits(30_000, 1, 256, 64, 65_536, 64);

    private final RuntimeCatalog catalog;
    private final ExecutionService executions;
    private final ObjectMapper json;

    Canary(RuntimeCatalog catalog, ExecutionService executions, ObjectMapper json) {
        this.catalog = catalog;
        this.executions = executions;
        this.json = json;
    }

    /** The versions it printed; empty when it failed, and the log says how. */
    Optional<RuntimeVersions> run() {
        LanguageRuntime python = catalog.find(RuntimeCatalog.DEFAULT_LANGUAGE).orElseThrow();
        ExecutionResult canary = ResultAggregator.aggregate(executions.execute(
                new ExecutionPlan(Tenant.PROBE, python, python.defaultProfile(), CODE.formatted(pythonList(python.packages())), "", List.of(), Map.of(), LIMITS)))
                .await().atMost(Duration.ofSeconds(60));
        if (canary.status() != ExecutionStatus.OK) {
            LOG.warnf("canary sandbox ended %s (exit %s): %s", canary.status().value(), canary.exitCode(),
                    canary.stderr());
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(canary.stdout(), RuntimeVersions.class));
        } catch (IOException e) {
            LOG.warnf("canary printed no versions: %s", canary.stdout());
            return Optional.empty();
        }
    }

    private static String pythonList(List<String> names) {
        return names.stream().map(name -> "'" + name + "'").collect(Collectors.joining(", ", "[", "]"));
    }
}
