package dev.codelab.sandbox.execution;

/** Why a run's life ended: set once, by whichever fact comes first; the verdict derives from it. */
enum RunEnding {
    /** The supervisor reported the program's exit (from its own waitpid). */
    EXITED,
    /** The service's timer fired first. */
    TIMED_OUT,
    /** The service's count of the output passed outputBytes. */
    OUTPUT_LIMITED,
    /** The client went away. */
    CANCELLED,
    /** The sandbox sent something that breaks the frame contract. */
    PROTOCOL_ERROR,
    /** The sandbox ended without an exit report (killed by the kernel, crashed). */
    SANDBOX_ENDED;

    /** Endings the service causes itself: the program is stopped at once. */
    boolean stopsTheProgram() {
        return this != EXITED && this != SANDBOX_ENDED;
    }
}
