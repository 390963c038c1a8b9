package dev.codelab.sandbox.session;

/** No session of this key has that id: unknown, ended, expired, or another key's. */
public final class SessionNotFoundException extends RuntimeException {
    public SessionNotFoundException(String id) {
        super("no open session '" + id + "' for this API key");
    }
}
