package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Objects;

/**
 * Every /v1 call is authenticated; the tenant (acting for the end user a delegating key names, if it
 * does) travels with the request as a property.
 */
public class ApiKeyFilter {

    public static final String TENANT = "codelab.tenant";

    private final ApiKeys keys;

    ApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @ServerRequestFilter(preMatching = true)
    public void authenticate(ContainerRequestContext request) {
        if (request.getUriInfo().getPath().startsWith("/v1/")) {
            Tenant key = keys.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
            request.setProperty(TENANT, EndUsers.actingFor(key, request.getHeaders().get(EndUsers.HEADER)));
        }
    }

    /** The tenant of a /v1 request (authenticate() set it before any resource ran). */
    public static Tenant tenantOf(ContainerRequestContext request) {
        return Objects.requireNonNull((Tenant) request.getProperty(TENANT), "only /v1 requests have a tenant");
    }
}
