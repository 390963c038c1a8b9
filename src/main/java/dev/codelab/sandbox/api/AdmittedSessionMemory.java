package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.AdmissionConfig;
import dev.codelab.sandbox.admission.Permit;
import dev.codelab.sandbox.admission.Ticket;
import dev.codelab.sandbox.session.SessionAdmission;
import dev.codelab.sandbox.tenant.Tenant;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** A live session's memory goes through the one admission gate, waiting in the same queue as runs. */
@ApplicationScoped
public class AdmittedSessionMemory implements SessionAdmission {

    private final Admission admission;
    private final Duration longestWait;

    AdmittedSessionMemory(Admission admission, AdmissionConfig config) {
        this.admission = admission;
        this.longestWait = config.maxQueueWait().plusSeconds(5);
    }

    @Override
    public Runnable holdMemory(Tenant tenant, int memoryMb, boolean opening) {
        Ticket ticket = opening ? Ticket.session(tenant, memoryMb) : Ticket.resume(tenant, memoryMb);
        Permit permit = admission.admit(ticket).await().atMost(longestWait);
        return permit::release;
    }
}
