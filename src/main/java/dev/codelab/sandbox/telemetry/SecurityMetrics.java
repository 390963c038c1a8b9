package dev.codelab.sandbox.telemetry;

import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Prometheus figures of what programs were seen trying, by kind (no tenant label: the audit log
 * has it), and of the events runtime monitoring could not count.
 */
@ApplicationScoped
public class SecurityMetrics {

    private final Counter network;
    private final Counter exec;
    private final Counter sensitivePath;
    private final Counter privilege;
    private final Counter refused;
    private final Counter dropped;

    SecurityMetrics(MeterRegistry registry) {
        network = kind(registry, "network");
        exec = kind(registry, "exec");
        sensitivePath = kind(registry, "sensitive_path");
        privilege = kind(registry, "privilege");
        refused = kind(registry, "refused_syscall");
        dropped = Counter.builder("codelab_security_events_dropped_total")
                .description("Events of runtime monitoring not counted: dropped by gVisor or malformed")
                .register(registry);
    }

    void onFinished(@Observes ExecutionFinished finished) {
        SecurityEvents events = finished.securityEvents();
        if (events == null) {
            return;
        }
        network.increment(events.network());
        exec.increment(events.exec());
        sensitivePath.increment(events.sensitivePaths());
        privilege.increment(events.privilege());
        refused.increment(events.refused());
        dropped.increment(events.droppedEvents());
    }

    private static Counter kind(MeterRegistry registry, String kind) {
        return Counter.builder("codelab_security_events_total")
                .description("What programs were seen trying (gVisor runtime monitoring), by kind")
                .tag("kind", kind).register(registry);
    }
}
