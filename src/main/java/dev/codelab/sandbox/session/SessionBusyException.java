package dev.codelab.sandbox.session;

/** A cell is already running in the session (409). */
public final class SessionBusyException extends RuntimeException {
    public SessionBusyException(String id) {
        super("a cell is already running in session '" + id + "'; send the next one when it is done");
    }
}
