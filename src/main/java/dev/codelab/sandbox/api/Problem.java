package dev.codelab.sandbox.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem; `field` names the request field at fault, where there is one; `endReason`
 * (an extension member) says why a session ended, on a 404 for one that did.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field, String endReason) {

    public static final MediaType MEDIA_TYPE = new MediaType("application", "problem+json");

    public Problem(String type, String title, int status, String detail, String field) {
        this(type, title, status, detail, field, null);
    }

    static Response response(Response.ResponseBuilder builder, Problem problem) {
        return builder.entity(problem).build();
    }

    public static Response response(Response.Status status, String slug, String detail, String field) {
        return response(status.getStatusCode(), status.getReasonPhrase(), slug, detail, field);
    }

    public static Response response(int status, String title, String slug, String detail, String field) {
        return Response.status(status).type(MEDIA_TYPE)
                .entity(new Problem("urn:codelab:problem:" + slug, title, status, detail, field))
                .build();
    }
}
