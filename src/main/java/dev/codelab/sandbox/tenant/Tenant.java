package dev.codelab.sandbox.tenant;

/**
 * Who a request runs for: the tenant of its API key, or "anonymous" when the service is open.
 * Admission checks it, a plan carries it, the audit log names it: it depends on none of them.
 */
public record Tenant(String name, KeyPolicy policy) {

    /** The service's own canary runs behind readiness. */
    public static final Tenant PROBE = new Tenant("probe", KeyPolicy.UNRESTRICTED);

    private static final String ANONYMOUS = "anonymous";

    /** Every caller of an open service: one tenant, so its limits are shared by all of them. */
    public static Tenant anonymous(KeyPolicy policy) {
        return new Tenant(ANONYMOUS, policy);
    }

    /** Whom a refusal speaks of: "this API key", or every anonymous caller together. */
    public String subject() {
        return name.equals(ANONYMOUS) ? "anonymous requests (all callers together)" : "this API key";
    }
}
