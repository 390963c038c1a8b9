package dev.codelab.sandbox.health;

import dev.codelab.sandbox.sandbox.CgroupHierarchy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when executions can start now: runsc works, the image is present, a canary ran. Says
 * which cgroup hierarchy the sandboxes use.
 */
@Readiness
@ApplicationScoped
public class SandboxReadiness implements HealthCheck {

    private final RuntimeProbe probe;
    private final CgroupHierarchy cgroups;

    SandboxReadiness(RuntimeProbe probe, CgroupHierarchy cgroups) {
        this.probe = probe;
        this.cgroups = cgroups;
    }

    @Override
    public HealthCheckResponse call() {
        RuntimeProbe.Status status = probe.status();
        return HealthCheckResponse.named("sandbox runtime").status(status.ready())
                .withData("reason", status.ready() ? "sandboxes start" : status.reason())
                .withData("cgroup", cgroups.version())
                .build();
    }
}
