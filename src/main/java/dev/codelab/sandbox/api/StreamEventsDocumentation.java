package dev.codelab.sandbox.api;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The streams of a run and of a cell in the OpenAPI document: the same POST answers
 * {@code text/event-stream} (each event's data) and {@code application/x-ndjson} (each line: its
 * {@code type} and the same data). Their resource methods are hidden, as they share the JSON one's
 * path and method, so the document gets them here, from the event types of {@code ExecutionEvent}.
 */
public class StreamEventsDocumentation implements OASFilter {

    private static final List<String> STREAMED = List.of("/v1/executions", "/v1/sessions/{id}/executions");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Map<String, Schema> events = events();
        List<Schema> lines = new ArrayList<>();
        List<Schema> data = new ArrayList<>();
        events.forEach((type, schema) -> {
            lines.add(OASFactory.createSchema().allOf(List.of(schema, OASFactory.createSchema()
                    .addType(SchemaType.OBJECT).addRequired("type")
                    .addProperty("type", OASFactory.createSchema().addType(SchemaType.STRING).addEnumeration(type)))));
            data.add(schema);
        });
        openAPI.getComponents()
                .addSchema("StreamLine", OASFactory.createSchema().oneOf(lines)
                        .description("one NDJSON line: an event's type and its data"))
                .addSchema("StreamEventData", OASFactory.createSchema().anyOf(data)
                        .description("an SSE event's data; its name is the event's type: started, stdout, stderr,"
                                + " display, figure, result, clear, error, done (exactly one, last)"));
        for (String path : STREAMED) {
            PathItem item = openAPI.getPaths().getPathItem(path);
            Operation post = item == null ? null : item.getPOST();
            APIResponse ok = post == null || post.getResponses() == null ? null : post.getResponses().getAPIResponse("200");
            if (ok != null && ok.getContent() != null) {
                ok.getContent()
                        .addMediaType("text/event-stream", OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref("#/components/schemas/StreamEventData")))
                        .addMediaType("application/x-ndjson", OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref("#/components/schemas/StreamLine")));
            }
        }
    }

    /** Each event's data, by its type. */
    private static Map<String, Schema> events() {
        Map<String, Schema> events = new LinkedHashMap<>();
        events.put("started", object("id", string()));
        events.put("stdout", object("data", string()));
        events.put("stderr", object("data", string()));
        events.put("display", component("Display"));
        events.put("figure", component("Figure"));
        events.put("result", object("data", OASFactory.createSchema().addType(SchemaType.OBJECT)));
        events.put("clear", object("wait", OASFactory.createSchema().addType(SchemaType.BOOLEAN)));
        events.put("error", component("Error"));
        events.put("done", component("ExecutionResult").description("the answer, without stdout and stderr"));
        return events;
    }

    private static Schema object(String property, Schema schema) {
        return OASFactory.createSchema().addType(SchemaType.OBJECT).addRequired(property).addProperty(property, schema);
    }

    private static Schema string() {
        return OASFactory.createSchema().addType(SchemaType.STRING);
    }

    private static Schema component(String name) {
        return OASFactory.createSchema().ref("#/components/schemas/" + name);
    }
}
