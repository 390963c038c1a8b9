package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;

import java.util.List;

/**
 * A delegating key names the end user it acts for in the X-Codelab-User header: an opaque id of 1 to
 * 128 printable ASCII characters, never interpreted, only compared. A key that may not delegate, or
 * an id that is not one, is a 400; a delegating key that sends no header acts as itself.
 */
public final class EndUsers {

    public static final String HEADER = "X-Codelab-User";
    static final int MAX_LENGTH = 128;

    /** The header is refused: the detail says why; the field is the header. */
    public static class RefusedException extends RuntimeException {
        public RefusedException(String detail) {
            super(detail, null, false, false);
        }
    }

    private EndUsers() {
    }

    /** The request's tenant: the key's own, or the key acting for the user its header names. */
    static Tenant actingFor(Tenant key, List<String> headers) {
        if (headers == null || headers.isEmpty()) {
            return key;
        }
        if (!key.policy().delegates()) {
            throw new RefusedException("this API key may not act for end users (\"delegates\": true in the keys file):"
                    + " send no " + HEADER + " header");
        }
        if (headers.size() > 1) {
            throw new RefusedException("send one " + HEADER + " header, not " + headers.size());
        }
        String user = headers.get(0);
        if (user.isEmpty() || user.length() > MAX_LENGTH || !user.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)
                || user.isBlank()) {
            throw new RefusedException(HEADER + " must be an id of 1 to " + MAX_LENGTH
                    + " printable ASCII characters (space to ~), not all spaces");
        }
        return key.actingFor(user);
    }
}
