package dev.codelab.sandbox.session;

/** Too many open sessions, for the key or the service (429). */
public final class SessionLimitException extends RuntimeException {
    public SessionLimitException(String message) {
        super(message);
    }
}
