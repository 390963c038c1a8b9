package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.execution.ExecutionEvent;
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

    ExecutionResource(RequestValidator validator, ExecutionService executions, RuntimeProbe probe, ObjectMapper json) {
        this.validator = validator;
        this.executions = executions;
        this.probe = probe;
        this.json = json;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ExecutionResult> run(ExecutionRequest request) {
        return ResultAggregator.aggregate(events(request));
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(ExecutionRequest request, Sse sse) {
        return events(request).map(event -> sse.newEventBuilder()
                .name(event.type())
                .data(toJson(event.data()))
                .build());
    }

    @POST
    @Produces(NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ObjectNode> lines(ExecutionRequest request) {
        return events(request).map(event -> {
            ObjectNode line = json.createObjectNode().put("type", event.type());
            line.setAll((ObjectNode) json.valueToTree(event.data()));
            return line;
        });
    }

    private Multi<ExecutionEvent> events(ExecutionRequest request) {
        var plan = validator.validate(request);
        RuntimeProbe.Status status = probe.status();
        if (!status.ready()) {
            throw new SandboxUnavailableException(status.reason());
        }
        return executions.execute(plan);
    }

    private String toJson(Object data) {
        try {
            return json.writeValueAsString(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
