package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.execution.ExecutionEvent;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/** A run's events as Server-Sent Events or NDJSON lines: the same for executions and session cells. */
@ApplicationScoped
public class EventStreams {

    private final ObjectMapper json;

    EventStreams(ObjectMapper json) {
        this.json = json;
    }

    Multi<OutboundSseEvent> sse(Multi<ExecutionEvent> events, Sse sse) {
        return events.map(event -> sse.newEventBuilder().name(event.type()).data(toJson(event.data())).build());
    }

    Multi<ObjectNode> ndjson(Multi<ExecutionEvent> events) {
        return events.map(event -> {
            ObjectNode line = json.createObjectNode().put("type", event.type());
            line.setAll((ObjectNode) json.valueToTree(event.data()));
            return line;
        });
    }

    private String toJson(Object data) {
        try {
            return json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
