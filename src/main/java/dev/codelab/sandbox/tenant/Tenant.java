package dev.codelab.sandbox.tenant;

/**
 * Who a request runs for: the tenant of its API key, or "anonymous" when the service is open; and,
 * when a delegating key names one, the end user it acts for (an opaque id, only ever compared).
 * Admission checks it, a plan carries it, the audit log names it: it depends on none of them.
 *
 * @param user the end user a delegating key acts for (X-Codelab-User), or null: the key acts as itself
 */
public record Tenant(String name, KeyPolicy policy, String user) {

    /** The service's own canary runs behind readiness. */
    public static final Tenant PROBE = new Tenant("probe", KeyPolicy.UNRESTRICTED);

    private static final String ANONYMOUS = "anonymous";

    /**
     * Whose quotas, throttling and sessions a request counts toward: the key's tenant, or one end
     * user of it. Two users of one key are two owners; a key acting as itself is a third.
     */
    public record Owner(String tenant, String user) {
    }

    public Tenant(String name, KeyPolicy policy) {
        this(name, policy, null);
    }

    /** Every caller of an open service: one tenant, so its limits are shared by all of them. */
    public static Tenant anonymous(KeyPolicy policy) {
        return new Tenant(ANONYMOUS, policy);
    }

    /** The same key, acting for an end user. */
    public Tenant actingFor(String endUser) {
        return new Tenant(name, policy, endUser);
    }

    public Owner owner() {
        return new Owner(name, user);
    }

    /** The key's own owner: what its totals (rate, concurrency, sessions) count, whichever user acts. */
    public Owner key() {
        return new Owner(name, null);
    }

    /** The limits that apply to this request's end user; none when the key acts as itself. */
    public KeyPolicy.PerUser perUser() {
        return user == null || policy.perUser() == null ? KeyPolicy.PerUser.NONE : policy.perUser();
    }

    /** Whom a refusal speaks of: a user of this key, "this API key", or every anonymous caller together. */
    public String subject() {
        if (user != null) {
            return "user '" + user + "' of this API key";
        }
        return name.equals(ANONYMOUS) ? "anonymous requests (all callers together)" : "this API key";
    }
}
