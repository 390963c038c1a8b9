package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.StartMode;

/**
 * A session's sandbox, lent to one cell: the cell runs through the same pipeline as an execution,
 * but its sandbox lives on afterwards, and the session learns how the cell ended.
 */
public interface SessionSeat {

    String sessionId();

    Sandbox sandbox();

    StartMode startMode();

    /**
     * The cell is over. {@code sandboxLives} is false when the program ended, broke the protocol,
     * or passed the session's memory or process limit: the session is over too.
     */
    void cellEnded(ExecutionResult result, boolean sandboxLives);
}
