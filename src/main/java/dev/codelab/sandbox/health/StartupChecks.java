package dev.codelab.sandbox.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** Started once the first round of checks (sweep, image, canary) has finished, whatever its result. */
@Startup
@ApplicationScoped
public class StartupChecks implements HealthCheck {

    private final RuntimeProbe probe;

    StartupChecks(RuntimeProbe probe) {
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("start-up checks").status(probe.status().started()).build();
    }
}
