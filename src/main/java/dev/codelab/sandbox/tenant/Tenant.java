package dev.codelab.sandbox.tenant;

/**
 * Who a request runs for: the tenant of its API key, or "anonymous" when the service is open.
 * Admission checks it, a plan carries it, the audit log names it: it depends on none of them.
 */
public record Tenant(String name, KeyPolicy policy, boolean keyed) {

    public static final Tenant ANONYMOUS = new Tenant("anonymous", KeyPolicy.UNRESTRICTED, false);
    /** The service's own canary runs behind readiness. */
    public static final Tenant PROBE = new Tenant("probe", KeyPolicy.UNRESTRICTED, false);
}
