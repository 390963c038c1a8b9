package dev.codelab.sandbox.session;

/** A hibernated session whose image this replica cannot restore, and which ended for it (410). */
public final class SessionIncompatibleException extends RuntimeException {

    public SessionIncompatibleException(String id, String why) {
        super("session '" + id + "' cannot be restored here: " + why + "; it has ended");
    }
}
