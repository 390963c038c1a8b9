package dev.codelab.sandbox;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages and the way their dependencies point: from the HTTP edge down to the sandboxes,
 * never back up. Checked on the main classes (not the tests), without starting Quarkus.
 *
 * <pre>
 * api                     HTTP: resources, the request DTO and its validation into a plan, problem+json
 * health                  the runtime probe (leftover sweep, pool preparation, canary), health checks
 * admission  telemetry    the gate in front of executions; those who watch them (metrics, audit log)
 * monitoring              what programs try inside their sandboxes (gVisor runtime monitoring)
 * execution               a plan becomes a stream of events from one sandbox
 * pool                    checkpoint images, restored sandboxes, where a run's sandbox comes from
 * runtime                 the languages and their images
 * sandbox                 one gVisor sandbox: runsc, OCI spec, cgroup, frames, leftover sweep
 * tenant                  who a request runs for, and what its API key allows
 * (root)                  shared utilities (DaemonThreads)
 * </pre>
 *
 * The rules, each package with all it may use:
 * <ul>
 * <li>api may use every other package; no package uses api.</li>
 * <li>health: execution, pool, runtime, sandbox, tenant, root. Only api uses it.</li>
 * <li>session: execution (a cell runs through its pipeline), pool (a session's sandbox comes from it),
 *     runtime, sandbox (hibernation), tenant. Only api uses it.</li>
 * <li>admission: execution (finished runs), pool (the memory it holds), sandbox (a sandbox's memory
 *     overhead), tenant, root. Only api uses it.</li>
 * <li>telemetry: execution (it observes finished runs), pool (it implements {@code PoolMetrics}),
 *     runtime (the languages, whose counters start at 0), sandbox ({@code StartMode}), tenant. Only api uses it. Execution and pool report through
 *     interfaces of their own ({@code RunningExecutions}, {@code PoolMetrics}), so they never
 *     name telemetry.</li>
 * <li>monitoring: sandbox (it implements {@code SandboxWatch}), root. No package uses it: sandboxes
 *     report through their own interface, and finished runs carry what it saw.</li>
 * <li>execution: pool (to acquire sandboxes), runtime, sandbox, tenant, root.</li>
 * <li>pool: runtime, sandbox, root. The shape of its sandboxes is handed to it.</li>
 * <li>runtime: sandbox ({@code SandboxImage}) only.</li>
 * <li>sandbox: the root package only.</li>
 * <li>tenant and the root package use no other package of the project.</li>
 * <li>No two packages depend on each other, directly or around a cycle.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "dev.codelab.sandbox", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String ROOT = "dev.codelab.sandbox";

    @ArchTest
    static final ArchRule dependenciesPointDown = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("api").definedBy(ROOT + ".api..")
            .layer("health").definedBy(ROOT + ".health..")
            .layer("session").definedBy(ROOT + ".session..")
            .layer("admission").definedBy(ROOT + ".admission..")
            .layer("telemetry").definedBy(ROOT + ".telemetry..")
            .layer("monitoring").definedBy(ROOT + ".monitoring..")
            .layer("execution").definedBy(ROOT + ".execution..")
            .layer("pool").definedBy(ROOT + ".pool..")
            .layer("runtime").definedBy(ROOT + ".runtime..")
            .layer("sandbox").definedBy(ROOT + ".sandbox..")
            .layer("tenant").definedBy(ROOT + ".tenant..")
            .layer("root").definedBy(ROOT)
            .whereLayer("api").mayNotBeAccessedByAnyLayer()
            .whereLayer("health").mayOnlyAccessLayers("execution", "pool", "runtime", "sandbox", "tenant", "root")
            .whereLayer("session").mayOnlyAccessLayers("execution", "pool", "runtime", "sandbox", "tenant")
            .whereLayer("admission").mayOnlyAccessLayers("execution", "pool", "sandbox", "tenant", "root")
            .whereLayer("telemetry").mayOnlyAccessLayers("execution", "pool", "runtime", "sandbox", "tenant")
            .whereLayer("monitoring").mayNotBeAccessedByAnyLayer()
            .whereLayer("monitoring").mayOnlyAccessLayers("sandbox", "root")
            .whereLayer("execution").mayOnlyAccessLayers("pool", "runtime", "sandbox", "tenant", "root")
            .whereLayer("pool").mayOnlyAccessLayers("runtime", "sandbox", "root")
            .whereLayer("runtime").mayOnlyAccessLayers("sandbox")
            .whereLayer("sandbox").mayOnlyAccessLayers("root")
            .whereLayer("tenant").mayNotAccessAnyLayer()
            .whereLayer("root").mayNotAccessAnyLayer();

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();
}
