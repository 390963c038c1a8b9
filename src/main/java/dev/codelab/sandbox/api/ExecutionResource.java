package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.ApiKeyFilter;
import dev.codelab.sandbox.admission.Ticket;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.health.RuntimeProbe;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** POST /v1/executions: one run, answered as JSON, Server-Sent Events or NDJSON by Accept. */
@Path("/v1/executions")
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "executions")
@SecurityRequirement(name = "apiKey")
@APIResponse(responseCode = "400", description = "Malformed JSON, a missing or wrongly typed field, an unknown language,"
        + " a limit outside its range, a bad file path or encoding; `field` names it and `detail` says what is allowed",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class),
                examples = @ExampleObject(name = "limit out of range", value = ApiDocs.PROBLEM_400)))
@APIResponse(responseCode = "401", description = "API keys are configured and the request has none, or a wrong one",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "406", description = "An Accept other than JSON, SSE or NDJSON",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "413", description = "The body is over the configured size",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "415", description = "A Content-Type other than application/json",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", description = "Too many executions running or queued, for the service or this key,"
        + " or the key is over its rate or throttled for hitting limits; `Retry-After` says when to try again",
        headers = @Header(name = "Retry-After", description = "seconds", schema = @Schema(type = SchemaType.INTEGER)),
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class),
                examples = @ExampleObject(name = "at capacity", value = ApiDocs.PROBLEM_429)))
@APIResponse(responseCode = "503", description = "The sandbox runtime is not usable (runsc missing or failing)",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
public class ExecutionResource {

    public static final String NDJSON = "application/x-ndjson";

    private final RequestValidator validator;
    private final ExecutionService executions;
    private final RuntimeProbe probe;
    private final EventStreams streams;
    private final Admission admission;
    private final AnswerDelivery delivery;

    ExecutionResource(RequestValidator validator, ExecutionService executions, RuntimeProbe probe, EventStreams streams,
                      Admission admission, AnswerDelivery delivery) {
        this.admission = admission;
        this.delivery = delivery;
        this.validator = validator;
        this.executions = executions;
        this.probe = probe;
        this.streams = streams;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a program in a fresh gVisor sandbox",
            description = "Accept: application/json (or none) answers once the run is over; text/event-stream and "
                    + "application/x-ndjson stream started, stdout, stderr, figure events as they happen and end with "
                    + "exactly one done. A program that fails is not an HTTP error: see `status`. A client that "
                    + "disconnects ends its sandbox at once.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ExecutionRequest.class),
            examples = @ExampleObject(name = "pandas with a file", value = ApiDocs.REQUEST)))
    @APIResponse(responseCode = "200", description = "The run took place, whatever the program did", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ExecutionResult.class),
                    examples = @ExampleObject(name = "DataFrame result", value = ApiDocs.RESULT)),
            @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING,
                    description = "events started {id}, stdout {data}, stderr {data}, figure {mimeType, data}, "
                            + "done (the JSON response without stdout and stderr)"),
                    examples = @ExampleObject(name = "stream", value = ApiDocs.SSE)),
            @Content(mediaType = NDJSON, schema = @Schema(type = SchemaType.STRING,
                    description = "one JSON object a line, the same events with a `type` field"),
                    examples = @ExampleObject(name = "stream", value = ApiDocs.NDJSON))})
    public Uni<byte[]> run(ExecutionRequest request, @Context ContainerRequestContext context,
                           @Context RoutingContext routing) {
        return streams.json(events(request, context, routing));
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(hidden = true) // documented with run(): one operation, three media types
    public Multi<OutboundSseEvent> stream(ExecutionRequest request, Sse sse, @Context ContainerRequestContext context,
                                          @Context RoutingContext routing) {
        return streams.sse(events(request, context, routing), sse);
    }

    @POST
    @Produces(NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Multi<ObjectNode> lines(ExecutionRequest request, @Context ContainerRequestContext context,
                                   @Context RoutingContext routing) {
        return streams.ndjson(events(request, context, routing));
    }

    /**
     * Validate, check readiness, wait for admission (or 429), then run; what the run holds (slot,
     * memory, answer room) is held until its answer is delivered or its client is gone.
     */
    private Uni<Multi<ExecutionEvent>> events(ExecutionRequest request, ContainerRequestContext context,
                                         RoutingContext routing) {
        Tenant tenant = ApiKeyFilter.tenantOf(context);
        ExecutionPlan plan = validator.validate(request, tenant);
        probe.requireReady();
        Uni<Void> delivered = delivery.delivered(routing);
        return admission.admit(Ticket.run(tenant, plan.limits().memoryMb(), validator.answerBytes(plan))).onItem()
                .transform(permit -> delivery.holding(executions.execute(plan), permit, delivered));
    }

}
