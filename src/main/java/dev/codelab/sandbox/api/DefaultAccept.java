package dev.codelab.sandbox.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;

/**
 * Content negotiation for /v1: an Accept naming none of the forms a resource answers (a run and a
 * session's cell: JSON, SSE, NDJSON; the rest JSON) gets 406;
 * one that leaves the choice open (none, or a wildcard) gets JSON, never a streaming form.
 */
public class DefaultAccept {

    private static final List<MediaType> EXECUTION_FORMS = List.of(MediaType.APPLICATION_JSON_TYPE,
            MediaType.SERVER_SENT_EVENTS_TYPE, MediaType.valueOf(ExecutionResource.NDJSON));

    @ServerRequestFilter(preMatching = true)
    public Response negotiate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/")) {
            return null;
        }
        boolean run = path.startsWith("/v1/executions") || (path.startsWith("/v1/sessions/") && path.endsWith("/executions"));
        List<MediaType> forms = run ? EXECUTION_FORMS : List.of(MediaType.APPLICATION_JSON_TYPE);
        List<MediaType> accepted = request.getAcceptableMediaTypes();
        boolean specific = accepted.stream().anyMatch(type -> !type.isWildcardType()
                && forms.stream().anyMatch(form -> form.isCompatible(type)));
        if (specific) {
            return null;
        }
        if (accepted.isEmpty() || accepted.stream().anyMatch(MediaType::isWildcardType)) {
            request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON);
            return null;
        }
        return Problem.response(Response.Status.NOT_ACCEPTABLE, "not-acceptable",
                "this resource answers " + forms.stream().map(MediaType::toString).toList(), "Accept");
    }
}
