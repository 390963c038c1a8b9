package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
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
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;


/** Every error leaves as problem+json; none carries a stack trace or a host path. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final ExecutionMetrics metrics;

    ProblemMappers(ExecutionMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerExceptionMapper
    public Response tooLarge(FileTooLargeException e) {
        return Problem.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "file-too-large",
                "`" + e.field() + "` " + e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public Response fileNotFound(WorkspaceFileNotFoundException e) {
        return Problem.response(Response.Status.NOT_FOUND, "file-not-found", e.getMessage(), "path");
    }

    @ServerExceptionMapper
    public Response fileOperationFailed(FileOperationFailedException e) {
        return Problem.response(Response.Status.CONFLICT, "file-operation-failed", e.getMessage(), null);
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
        return UnreadableBody.problem(e);
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
    public Response notAllowed(NotAllowedException e, UriInfo uri) {
        java.util.Set<String> allowed = new java.util.TreeSet<>(AllowedMethods.of(uri.getPath()));
        return Response.fromResponse(Problem.response(Response.Status.METHOD_NOT_ALLOWED, "method-not-allowed",
                "this method is not allowed on this resource" + (allowed.isEmpty() ? "" : "; allowed: "
                        + String.join(", ", allowed)), null)).allow(allowed).build();
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
}
