package dev.codelab.sandbox.session;

import dev.codelab.sandbox.sandbox.SandboxLimits;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/** A session as GET /v1/sessions/{id} shows it; `limits` apply to the whole session, timeoutMs to each cell. */
@RegisterForReflection
public record SessionView(String id, String language, SessionState state, SandboxLimits limits, Instant createdAt,
                          Instant lastUsedAt, Instant expiresAt, int cells) {
}
