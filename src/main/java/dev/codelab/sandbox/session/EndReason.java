package dev.codelab.sandbox.session;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.codelab.sandbox.execution.KernelEnd;

/** Why a session ended: in the cell's answer (session.endReason), in a 404's problem, and in the audit log. */
public enum EndReason {
    DELETED("it was deleted"),
    IDLE_TIMEOUT("it was idle past its idleTimeoutMs"),
    LIFETIME("it reached the longest a session may live"),
    EVICTED("its hibernated image was evicted to keep the disk within its budget"),
    HIBERNATION_FAILED("it could not be hibernated"),
    SHUTDOWN("the service shut down"),
    PROGRAM_EXITED("its program exited (os._exit, a signal, or a crash of the interpreter)"),
    MEMORY_LIMIT("a cell passed the session's memory limit"),
    PROCESS_LIMIT("a cell passed the session's process limit"),
    INTERRUPT_IGNORED("a cell did not stop when interrupted and was killed"),
    PROTOCOL_ERROR("its sandbox broke the protocol"),
    SANDBOX_FAILED("its sandbox ended without a report"),
    POD_LOST("the replica that held it was lost before it could save it"),
    INCOMPATIBLE_IMAGE("its hibernated image needs another runsc, root filesystem or runner than the replicas have");

    private final String description;

    EndReason(String description) {
        this.description = description;
    }

    @JsonValue
    public String value() {
        return name().toLowerCase();
    }

    public String description() {
        return description;
    }

    /** A kernel's end is a session's end of the same name. */
    static EndReason of(KernelEnd end) {
        return valueOf(end.name());
    }
}
