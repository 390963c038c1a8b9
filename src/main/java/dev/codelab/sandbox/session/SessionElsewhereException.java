package dev.codelab.sandbox.session;

/** The session is live on another replica, which is alive: its requests must reach that replica (409). */
public final class SessionElsewhereException extends RuntimeException {

    private final String pod;

    public SessionElsewhereException(String id, String pod) {
        super("session '" + id + "' is live on replica " + pod + "; its requests must reach that replica"
                + " (the ingress pins them with its cookie)");
        this.pod = pod;
    }

    public String pod() {
        return pod;
    }
}
