package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why a kernel cannot run another cell after the one that just ended. */
public enum KernelEnd {
    /** The program itself ended (os._exit, a signal, a single run's normal end). */
    PROGRAM_EXITED("the program exited"),
    /** The cgroup's OOM killer ended it. */
    MEMORY_LIMIT("it passed its memory limit"),
    /** It met its process limit: what it started may still run. */
    PROCESS_LIMIT("it passed its process limit"),
    /** A cell past its time, output or client did not stop when interrupted, and was killed. */
    INTERRUPT_IGNORED("a cell ignored its interrupt and was killed"),
    /** The sandbox broke the protocol and was killed. */
    PROTOCOL_ERROR("the sandbox broke the protocol"),
    /** The sandbox ended without a report. */
    SANDBOX_FAILED("the sandbox ended without a report");

    private final String description;

    KernelEnd(String description) {
        this.description = description;
    }

    @JsonValue
    public String value() {
        return name().toLowerCase();
    }

    public String description() {
        return description;
    }
}
