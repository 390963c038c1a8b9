package dev.codelab.sandbox.admission;

/** Who a request runs for: the tenant of its API key, or "anonymous" when the service is open. */
public record Tenant(String name, KeyPolicy policy, boolean keyed) {

    public static final Tenant ANONYMOUS = new Tenant("anonymous", KeyPolicy.UNRESTRICTED, false);
    /** The service's own canary runs behind readiness. */
    public static final Tenant PROBE = new Tenant("probe", KeyPolicy.UNRESTRICTED, false);
}
