package dev.codelab.sandbox.execution;

/** The sandbox runtime cannot run executions now; the message is safe to show users. */
public class SandboxUnavailableException extends RuntimeException {

    public SandboxUnavailableException(String message) {
        super(message);
    }
}
