package dev.codelab.sandbox.session;

/** No session of this key has that id: unknown, ended (with its reason, when known), or another key's. */
public final class SessionNotFoundException extends RuntimeException {

    private final transient EndReason reason;

    public SessionNotFoundException(String id, EndReason reason) {
        super(reason == null ? "no open session '" + id + "' for this API key"
                : "session '" + id + "' has ended: " + reason.description());
        this.reason = reason;
    }

    /** Why the session ended; null when it is unknown (or another key's). */
    public EndReason reason() {
        return reason;
    }
}
