package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.sandbox.Kernel;
import dev.codelab.sandbox.sandbox.StartMode;

/**
 * A session's kernel, lent to one cell: the cell runs through the same pipeline as an execution,
 * but its kernel lives on afterwards, and the session learns how the cell ended.
 */
public interface SessionKernel {

    /**
     * Readies the kernel for the cell (a hibernated session is restored first) and returns the
     * cell's plan as the session runs it (its limits, its opening files with a first cell, the
     * profile its kernel is on); blocks, on the cell's worker thread. Throws what the client must
     * be told (the session ended, restoring failed, admission refused its memory).
     */
    ExecutionPlan ready();

    Kernel kernel();

    StartMode startMode();

    /** The next cell's id: strictly increasing within the kernel. */
    long nextCell();

    /** The cell's message is with the supervisor: an interrupt the session was asked for may be sent now. */
    void cellSent(long cell);

    /**
     * The cell is over, before its answer leaves (a notebook sends the next cell the moment it has
     * it). {@code end} is null when the kernel lives on. Returns the session as the answer shows it.
     */
    ExecutionResult.SessionRef cellEnded(ExecutionResult result, KernelEnd end);

    /** The cell failed on a fault of the service's before it could end: the kernel's state is unknown. */
    void cellFailed();
}
