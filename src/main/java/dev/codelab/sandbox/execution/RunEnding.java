package dev.codelab.sandbox.execution;

/** Why a cell's life ended: set once, by whichever fact comes first; the verdict derives from it. */
enum RunEnding {
    /** The supervisor reported the cell's end (for a run, the program's exit from its own waitpid). */
    EXITED,
    /** The service's timer fired first. */
    TIMED_OUT,
    /** The service's count of the output passed outputBytes. */
    OUTPUT_LIMITED,
    /** The client went away. */
    CANCELLED,
    /** The sandbox sent something that breaks the frame contract. */
    PROTOCOL_ERROR,
    /** The sandbox did not start the cell's code in time (it had its message). */
    START_LATE,
    /** The cell's code was over, but the sandbox did not finish its report in time. */
    REPORT_LATE,
    /** The sandbox ended without an exit report (killed by the kernel, crashed). */
    SANDBOX_ENDED;

    /** Endings the service causes itself: the program is stopped at once. */
    boolean stopsTheProgram() {
        return this == TIMED_OUT || this == OUTPUT_LIMITED || this == CANCELLED;
    }

    /** Endings after which the sandbox cannot be trusted to go on: it is killed. */
    boolean killsTheKernel() {
        return this == PROTOCOL_ERROR || this == START_LATE || this == REPORT_LATE;
    }
}
