package dev.codelab.sandbox.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when executions can start now: runsc works, the image is present, a canary ran. */
@Readiness
@ApplicationScoped
public class SandboxReadiness implements HealthCheck {

    private final RuntimeProbe probe;

    SandboxReadiness(RuntimeProbe probe) {
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        RuntimeProbe.Status status = probe.status();
        return HealthCheckResponse.named("sandbox runtime").status(status.ready())
                .withData("reason", status.ready() ? "sandboxes start" : status.reason())
                .build();
    }
}
