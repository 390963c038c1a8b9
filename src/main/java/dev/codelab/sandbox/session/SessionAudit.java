package dev.codelab.sandbox.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.Tenant;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * The audit log's line when a session ends, on the `codelab.audit` logger beside each cell's line:
 * whose it was, why it ended, and on which replica it was recorded.
 */
final class SessionAudit {

    private static final Logger AUDIT = Logger.getLogger("codelab.audit");

    @RegisterForReflection
    record Line(String event, String session, String tenant, @JsonInclude(JsonInclude.Include.NON_NULL) String user,
                String reason, String pod, Instant at) {
    }

    private final ObjectMapper json;
    private final String pod;

    SessionAudit(ObjectMapper json, String pod) {
        this.json = json;
        this.pod = pod;
    }

    void ended(String id, Tenant.Owner owner, EndReason reason) {
        try {
            AUDIT.info(json.writeValueAsString(new Line("session-ended", id, owner.tenant(), owner.user(),
                    reason == null ? null : reason.value(), pod, Instant.now())));
        } catch (JsonProcessingException e) {
            AUDIT.warnf("session %s ended (%s); its audit line could not be written: %s", id, reason, e.getMessage());
        }
    }
}
