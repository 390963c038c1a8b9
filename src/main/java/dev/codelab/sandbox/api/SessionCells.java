package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.Ticket;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.health.RuntimeProbe;
import dev.codelab.sandbox.session.Sessions;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A session's cell, whether it runs code or does file operations: one pipeline. It passes the same
 * admission as a run (rate, the key's concurrency, abuse throttling, an execution slot, room for its
 * answer; the session holds the memory), held until its answer is delivered; then it takes the
 * session's turn (409 if another cell has it).
 */
@ApplicationScoped
class SessionCells {

    private final Sessions sessions;
    private final RuntimeProbe probe;
    private final Admission admission;
    private final AnswerDelivery delivery;
    private final RequestValidator validator;

    SessionCells(Sessions sessions, RuntimeProbe probe, Admission admission, AnswerDelivery delivery,
                 RequestValidator validator) {
        this.sessions = sessions;
        this.probe = probe;
        this.admission = admission;
        this.delivery = delivery;
        this.validator = validator;
    }

    Uni<Multi<ExecutionEvent>> admit(String id, Tenant tenant, ExecutionPlan cell, RoutingContext routing) {
        probe.requireReady();
        Uni<Void> delivered = delivery.delivered(routing);
        return admission.admit(Ticket.cell(tenant, validator.answerBytes(cell))).onItem()
                .transform(permit -> {
                    try {
                        return delivery.holding(sessions.cell(id, tenant, cell), permit, delivered);
                    } catch (RuntimeException e) {
                        permit.release();
                        throw e;
                    }
                });
    }
}
