package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.ApiKeyFilter;
import dev.codelab.sandbox.admission.Ticket;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.health.RuntimeProbe;
import dev.codelab.sandbox.session.SessionConfig;
import dev.codelab.sandbox.session.SessionView;
import dev.codelab.sandbox.session.Sessions;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.util.List;

/** /v1/sessions: one sandbox kept across a notebook's cells, for one API key, with a kernel's controls. */
@Path("/v1/sessions")
@Tag(name = "sessions")
@SecurityRequirement(name = "apiKey")
@APIResponse(responseCode = "404", description = "No such session for this key: unknown, ended, expired or another key's",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
public class SessionResource {

    /** A restart's answer: one session's JSON. */
    private static final long RESTART_ANSWER_BYTES = 4096;

    /** GET /v1/sessions. */
    public record SessionList(List<SessionView> sessions) {
    }

    /** POST /v1/sessions/{id}/interrupt: whether a cell was running. */
    public record Interrupted(boolean interrupted) {
    }

    private final RequestValidator validator;
    private final Sessions sessions;
    private final SessionConfig config;
    private final RuntimeProbe probe;
    private final EventStreams streams;
    private final Admission admission;
    private final SessionCells cells;

    SessionResource(RequestValidator validator, Sessions sessions, SessionConfig config, RuntimeProbe probe,
                    EventStreams streams, Admission admission, SessionCells cells) {
        this.validator = validator;
        this.sessions = sessions;
        this.config = config;
        this.probe = probe;
        this.streams = streams;
        this.admission = admission;
        this.cells = cells;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a session: a sandbox whose variables, imports and files persist across cells")
    @APIResponse(responseCode = "201", description = "The session, with Location: /v1/sessions/{id}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SessionView.class)))
    @APIResponse(responseCode = "429", description = "This key (or the service) holds as many sessions as it may",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public Response create(SessionRequest request, @Context ContainerRequestContext context) {
        probe.requireReady();
        SessionView session = sessions.create(validator.session(request, ApiKeyFilter.tenantOf(context),
                config.maxIdleTimeout(), config.idleTimeout()));
        // relative, as API.md writes it: behind an ingress the service cannot know the client's scheme and host
        return Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, "/v1/sessions/" + session.id())
                .entity(session).build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "This key's sessions (this end user's, for a delegating key), oldest first, wherever they are")
    @APIResponse(responseCode = "200", description = "The sessions",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SessionList.class)))
    public SessionList list(@Context ContainerRequestContext context) {
        return new SessionList(sessions.list(ApiKeyFilter.tenantOf(context)));
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A session's state: active, hibernated or ended")
    @APIResponse(responseCode = "200", description = "The session",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SessionView.class)))
    public SessionView get(@PathParam("id") String id, @Context ContainerRequestContext context) {
        return sessions.view(id, ApiKeyFilter.tenantOf(context));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "End a session; its sandbox is gone when this answers")
    @APIResponse(responseCode = "204", description = "Ended")
    public Response delete(@PathParam("id") String id, @Context ContainerRequestContext context) {
        sessions.delete(id, ApiKeyFilter.tenantOf(context));
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/interrupt")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Interrupt the running cell (KeyboardInterrupt), as a notebook's stop button",
            description = "The cell answers its own request as its code handles the interrupt; the session lives on."
                    + " `interrupted` is false when no cell was running.")
    @APIResponse(responseCode = "200", description = "Whether a cell was running",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Interrupted.class)))
    @APIResponse(responseCode = "409", description = "The session is live on another replica",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public Interrupted interrupt(@PathParam("id") String id, @Context ContainerRequestContext context) {
        return new Interrupted(sessions.interrupt(id, ApiKeyFilter.tenantOf(context)));
    }

    @POST
    @Path("/{id}/restart")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Restart the session's kernel: same id and limits, fresh state",
            description = "Variables, imports and files made since it opened are gone; its opening files are written"
                    + " again with the next cell. Admitted like a cell (rate, concurrency, throttling).")
    @APIResponse(responseCode = "200", description = "The restarted session, with no cells",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SessionView.class)))
    @APIResponse(responseCode = "409", description = "A cell is running (interrupt it first), or the session is live on"
            + " another replica", content = @Content(mediaType = "application/problem+json",
            schema = @Schema(implementation = Problem.class)))
    public Uni<SessionView> restart(@PathParam("id") String id, @Context ContainerRequestContext context) {
        Tenant tenant = ApiKeyFilter.tenantOf(context);
        sessions.view(id, tenant);
        probe.requireReady();
        return admission.admit(Ticket.cell(tenant, RESTART_ANSWER_BYTES)).onItem().transformToUni(permit ->
                Uni.createFrom().item(() -> sessions.restart(id, tenant))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .onTermination().invoke(permit::release));
    }

    @POST
    @Path("/{id}/executions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a cell in the session",
            description = "The responses and streams of POST /v1/executions, plus `session` {id, state}. One cell at a"
                    + " time: a second gets 409. Past timeoutMs the cell is interrupted (KeyboardInterrupt); a cell"
                    + " that passes the session's memory or process limit ends the session.")
    @APIResponse(responseCode = "200", description = "The cell ran, whatever the code did",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ExecutionResult.class)))
    @APIResponse(responseCode = "409", description = "A cell is already running in this session",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public Uni<byte[]> run(@PathParam("id") String id, CellRequest request,
                           @Context ContainerRequestContext context, @Context RoutingContext routing) {
        return streams.json(events(id, request, context, routing));
    }

    @POST
    @Path("/{id}/executions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(hidden = true)
    public Multi<OutboundSseEvent> stream(@PathParam("id") String id, CellRequest request, Sse sse,
                                          @Context ContainerRequestContext context, @Context RoutingContext routing) {
        return streams.sse(events(id, request, context, routing), sse);
    }

    @POST
    @Path("/{id}/executions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(ExecutionResource.NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Multi<ObjectNode> lines(@PathParam("id") String id, CellRequest request,
                                   @Context ContainerRequestContext context, @Context RoutingContext routing) {
        return streams.ndjson(events(id, request, context, routing));
    }

    private Uni<Multi<ExecutionEvent>> events(String id, CellRequest request, ContainerRequestContext context,
                                         RoutingContext routing) {
        Tenant tenant = ApiKeyFilter.tenantOf(context);
        SessionView session = sessions.view(id, tenant);
        return cells.admit(id, tenant, validator.cell(request, tenant, session.language(), session.limits()), routing);
    }
}
