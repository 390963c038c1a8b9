package dev.codelab.sandbox.session;

import com.fasterxml.jackson.annotation.JsonValue;

/** A session's state as GET /v1/sessions/{id} shows it. */
public enum SessionState {
    ACTIVE, HIBERNATED, ENDED;

    @JsonValue
    public String value() {
        return name().toLowerCase();
    }
}
