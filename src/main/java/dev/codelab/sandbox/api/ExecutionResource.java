package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.admission.ApiKeyFilter;
import dev.codelab.sandbox.admission.Tenant;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionService;
import dev.codelab.sandbox.execution.RequestValidator;
import dev.codelab.sandbox.execution.ResultAggregator;
import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.runtime.RuntimeProbe;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** POST /v1/executions: one run, answered as JSON, Server-Sent Events or NDJSON by Accept. */
@Path("/v1/executions")
@Consumes(MediaType.APPLICATION_JSON)
public class ExecutionResource {

    public static final String NDJSON = "application/x-ndjson";

    private final RequestValidator validator;
    private final ExecutionService executions;
    private final RuntimeProbe probe;
    private final ObjectMapper json;
    private final Admission admission;

    ExecutionResource(RequestValidator validator, ExecutionService executions, RuntimeProbe probe, ObjectMapper json,
                      Admission admission) {
        this.admission = admission;
        this.validator = validator;
        this.executions = executions;
        this.probe = probe;
        this.json = json;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ExecutionResult> run(ExecutionRequest request, @Context ContainerRequestContext context) {
        return ResultAggregator.aggregate(events(request, context));
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(ExecutionRequest request, Sse sse, @Context ContainerRequestContext context) {
        return events(request, context).map(event -> sse.newEventBuilder()
                .name(event.type())
                .data(toJson(event.data()))
                .build());
    }

    @POST
    @Produces(NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ObjectNode> lines(ExecutionRequest request, @Context ContainerRequestContext context) {
        return events(request, context).map(event -> {
            ObjectNode line = json.createObjectNode().put("type", event.type());
            line.setAll((ObjectNode) json.valueToTree(event.data()));
            return line;
        });
    }

    /** Validate, check readiness, wait for admission (or 429), then run; the slot is freed however it ends. */
    private Multi<ExecutionEvent> events(ExecutionRequest request, @Context ContainerRequestContext context) {
        Tenant tenant = ApiKeyFilter.tenantOf(context);
        ExecutionPlan plan = validator.validate(request, tenant);
        RuntimeProbe.Status status = probe.status();
        if (!status.ready()) {
            throw new SandboxUnavailableException(status.reason());
        }
        return admission.admit(tenant).onItem().transformToMulti(permit -> executions.execute(plan)
                .onTermination().invoke(permit::release));
    }

    private String toJson(Object data) {
        try {
            return json.writeValueAsString(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
