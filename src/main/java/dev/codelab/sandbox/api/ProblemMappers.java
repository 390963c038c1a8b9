package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.codelab.sandbox.admission.AdmissionRejectedException;
import dev.codelab.sandbox.admission.EndUsers;
import dev.codelab.sandbox.admission.ApiKeys;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.session.EndReason;
import dev.codelab.sandbox.session.SessionBusyException;
import dev.codelab.sandbox.session.SessionElsewhereException;
import dev.codelab.sandbox.session.SessionIncompatibleException;
import dev.codelab.sandbox.session.SessionLimitException;
import dev.codelab.sandbox.session.SessionNotFoundException;
import dev.codelab.sandbox.telemetry.ExecutionMetrics;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** Every error leaves as problem+json; none carries a stack trace or a host path. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final ExecutionMetrics metrics;

    ProblemMappers(ExecutionMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "invalid-request",
                "`" + e.field() + "` " + e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return unreadable(e);
    }

    @ServerExceptionMapper
    public Response unparsable(JsonParseException e) {
        return unreadable(e);
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String detail = e instanceof UnrecognizedPropertyException unknown
                    ? "`" + field + "` is not a known field; allowed here: " + unknown.getKnownPropertyIds()
                    : "`" + field + "` has the wrong type: " + expectedType(mapping);
            return Problem.response(Response.Status.BAD_REQUEST, "invalid-request", detail, field);
        }
        return Problem.response(Response.Status.BAD_REQUEST, "malformed-json",
                "the body is not valid JSON: " + e.getOriginalMessage(), "body");
    }

    @ServerExceptionMapper
    public Response unavailable(SandboxUnavailableException e) {
        return Problem.response(Response.Status.SERVICE_UNAVAILABLE, "sandbox-unavailable",
                "the sandbox runtime is not usable: " + e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response unauthorized(ApiKeys.UnauthorizedException e) {
        metrics.rejected("auth");
        return Response.fromResponse(Problem.response(Response.Status.UNAUTHORIZED, "unauthorized", e.getMessage(),
                "Authorization")).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response endUserRefused(EndUsers.RefusedException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "invalid-request", e.getMessage(), EndUsers.HEADER);
    }

    @ServerExceptionMapper
    public Response rejected(AdmissionRejectedException e) {
        metrics.rejected(e.reason().name().toLowerCase());
        return Response.fromResponse(Problem.response(Response.Status.TOO_MANY_REQUESTS,
                "too-many-requests-" + e.reason().name().toLowerCase(), e.getMessage(), null))
                .header("Retry-After", e.retryAfterSeconds()).build();
    }

    @ServerExceptionMapper
    public Response sessionNotFound(SessionNotFoundException e) {
        if (e.reason() != null) {
            return Problem.response(Response.status(Response.Status.NOT_FOUND).type(Problem.MEDIA_TYPE),
                    new Problem("urn:codelab:problem:session-ended", "Not Found", 404, e.getMessage(), null,
                            e.reason().value()));
        }
        return Problem.response(Response.Status.NOT_FOUND, "session-not-found",
                e.getMessage() + " (sessions end when deleted, idle past idleTimeoutMs, or too old)", null);
    }

    @ServerExceptionMapper
    public Response sessionElsewhere(SessionElsewhereException e) {
        return Response.fromResponse(Problem.response(Response.Status.CONFLICT, "session-elsewhere", e.getMessage(), null))
                .header("Retry-After", 1).build();
    }

    @ServerExceptionMapper
    public Response sessionIncompatible(SessionIncompatibleException e) {
        return Problem.response(Response.status(Response.Status.GONE).type(Problem.MEDIA_TYPE),
                new Problem("urn:codelab:problem:session-incompatible", "Gone", 410, e.getMessage(), null,
                        EndReason.INCOMPATIBLE_IMAGE.value()));
    }

    @ServerExceptionMapper
    public Response sessionBusy(SessionBusyException e) {
        return Problem.response(Response.Status.CONFLICT, "session-busy", e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response sessionLimit(SessionLimitException e) {
        metrics.rejected("sessions");
        return Response.fromResponse(Problem.response(Response.Status.TOO_MANY_REQUESTS, "too-many-sessions",
                e.getMessage(), null)).header("Retry-After", 60).build();
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return Problem.response(Response.Status.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                "send the request body as application/json", "Content-Type");
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.response(Response.Status.NOT_FOUND, "not-found", "no such resource", null);
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return Problem.response(Response.Status.METHOD_NOT_ALLOWED, "method-not-allowed",
                "this method is not allowed on this resource", null);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadable(unreadable);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        return Problem.response(status.getStatusCode(), status.getReasonPhrase(), "http-" + status.getStatusCode(),
                status.getReasonPhrase(), null);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unexpected error", e);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "internal-error",
                "the service failed; the error was logged", null);
    }

    private static String expectedType(JsonMappingException e) {
        Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        if (target == null) {
            return "not the expected type";
        }
        if (target == String.class) {
            return "expected a string";
        }
        if (target == Long.class || target == Integer.class || target == long.class || target == int.class) {
            return "expected a whole number";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class) {
            return "expected a number";
        }
        if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "expected an array";
        }
        return "expected an object";
    }
}
