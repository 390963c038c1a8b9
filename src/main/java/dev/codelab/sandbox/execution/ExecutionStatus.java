package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a run ended; see the API's status table. */
public enum ExecutionStatus {
    OK, ERROR, TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, PROCESS_LIMIT;

    @JsonValue
    public String value() {
        return name().toLowerCase();
    }
}
