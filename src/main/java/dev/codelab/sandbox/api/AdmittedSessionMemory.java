package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.AdmissionConfig;
import dev.codelab.sandbox.admission.Permit;
import dev.codelab.sandbox.session.SessionMemory;
import dev.codelab.sandbox.tenant.Tenant;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** An active session holds an admission permit, as a running execution does, waiting in the same queue. */
@ApplicationScoped
public class AdmittedSessionMemory implements SessionMemory {

    private final Admission admission;
    private final Duration longestWait;

    AdmittedSessionMemory(Admission admission, AdmissionConfig config) {
        this.admission = admission;
        this.longestWait = config.maxQueueWait().plusSeconds(5);
    }

    @Override
    public Runnable hold(Tenant tenant, int memoryMb) {
        Permit permit = admission.admit(tenant, memoryMb).await().atMost(longestWait);
        return permit::release;
    }
}
