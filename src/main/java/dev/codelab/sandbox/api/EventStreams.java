package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codelab.sandbox.execution.ExecutionEvent;
import dev.codelab.sandbox.execution.ResultAggregator;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * A run's events as one JSON answer, Server-Sent Events or NDJSON lines: the same for executions
 * and session cells.
 */
@ApplicationScoped
public class EventStreams {

    private final ObjectMapper json;

    EventStreams(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The JSON answer, encoded on the run's worker thread as Done arrives: an answer with megabytes
     * of figures would otherwise be encoded on the event loop, and hold up every connection on it.
     */
    Uni<byte[]> json(Uni<Multi<ExecutionEvent>> admitted) {
        return admitted.onItem().transformToUni(events -> ResultAggregator.aggregate(events)).map(result -> {
            try {
                return json.writeValueAsBytes(result);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * A stream whose status and headers are sent once the request is admitted: a refusal in the
     * queue (429) is a problem+json answer, never an empty 200 stream.
     */
    Multi<OutboundSseEvent> sse(Uni<Multi<ExecutionEvent>> admitted, Sse sse) {
        return RestMulti.fromUniResponse(admitted, events -> events
                .map(event -> sse.newEventBuilder().name(event.type()).data(toJson(event.data())).build()));
    }

    Multi<ObjectNode> ndjson(Uni<Multi<ExecutionEvent>> admitted) {
        return RestMulti.fromUniResponse(admitted, events -> events.map(event -> {
            ObjectNode line = json.createObjectNode().put("type", event.type());
            line.setAll((ObjectNode) json.valueToTree(event.data()));
            return line;
        }));
    }

    private String toJson(Object data) {
        try {
            return json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
