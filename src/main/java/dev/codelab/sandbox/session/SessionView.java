package dev.codelab.sandbox.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** A session as GET /v1/sessions/{id} shows it; `limits` apply to the whole session, timeoutMs to each cell. */
@RegisterForReflection
public record SessionView(String id, String language, SessionState state, SandboxLimits limits, Instant createdAt,
                          Instant lastUsedAt, Instant expiresAt, int cells,
                          @Schema(description = "when state is ended: why (deleted, idle_timeout, memory_limit, ...)")
                          @JsonInclude(JsonInclude.Include.NON_NULL) EndReason endReason,
                          @Schema(description = "the replica that holds it now (a hibernated session: none, any may take it over)")
                          @JsonInclude(JsonInclude.Include.NON_NULL) String pod,
                          @Schema(description = "the warm profile of its kernel (GET /v1/runtimes); it changes at most once, at the first"
                                  + " cell of a session opened without one")
                          @JsonInclude(JsonInclude.Include.NON_NULL) String profile) {
}
