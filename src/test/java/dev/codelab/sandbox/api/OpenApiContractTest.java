package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenAPI document at /q/openapi describes what the service really answers: every real answer
 * of every endpoint, and every event of its streams, is validated against the schema the document
 * gives for that path, method, status and media type. For JSON answers the check is strict: a field
 * the document does not declare fails it, as does a null where it declares none.
 */
@QuarkusTest
@Tag("sandbox")
class OpenApiContractTest extends RealSandboxTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLOT = """
            import matplotlib.pyplot as plt
            from IPython.display import display, Markdown
            display(Markdown('**hi**'))
            h = display('first', display_id=True)
            h.update('second')
            plt.plot([1, 2]); plt.show()
            open('out.txt', 'w').write('x')
            print('done')
            {'a': 1}""";
    private static JsonNode document;

    @BeforeAll
    static void readTheDocument() throws IOException {
        document = JSON.readTree(Api.management().get("/q/openapi?format=json").asString());
    }

    @Test
    void runsAnswerAsDocumented() {
        validate("/v1/executions", "post", run(Api.request(PLOT)), 200);
        Response error = run(Api.request("def f():\n    raise ValueError('no')\nf()"));
        assertEquals("ValueError", error.jsonPath().getString("error.ename"));
        validate("/v1/executions", "post", error, 200);
        Response timeout = run(Api.request("while True: pass", "limits", Map.of("timeoutMs", 300)));
        assertEquals("timeout", timeout.jsonPath().getString("status"));
        validate("/v1/executions", "post", timeout, 200);
        validate("/v1/executions", "post", run(Map.of("code", 5)), 400);
        validate("/v1/runtimes", "get", given().get("/v1/runtimes"), 200);
    }

    @Test
    void everyStreamEventIsDocumented() throws IOException {
        for (String path : List.of("/v1/executions")) {
            String lines = given().contentType(ContentType.JSON).accept("application/x-ndjson").body(Api.request(PLOT))
                    .post(path).then().statusCode(200).extract().asString();
            JsonNode schema = schemaOf(path, "post", 200, "application/x-ndjson");
            int events = 0;
            for (String line : lines.split("\n")) {
                assertValid(schema, JSON.readTree(line), "an NDJSON line: " + line);
                events++;
            }
            assertTrue(events >= 8, lines);
            String sse = given().contentType(ContentType.JSON).accept("text/event-stream").body(Api.request(PLOT))
                    .post(path).then().statusCode(200).extract().asString();
            JsonNode data = schemaOf(path, "post", 200, "text/event-stream");
            for (String line : sse.split("\n")) {
                if (line.startsWith("data:")) {
                    assertValid(data, JSON.readTree(line.substring(5)), "an SSE event's data: " + line);
                }
            }
        }
    }

    @Test
    void sessionsAnswerAsDocumented() {
        Response created = given().contentType(ContentType.JSON).body(Map.of()).post("/v1/sessions");
        validate("/v1/sessions", "post", created, 201);
        String id = created.jsonPath().getString("id");
        String at = "/v1/sessions/{id}";
        validate("/v1/sessions", "get", given().get("/v1/sessions"), 200);
        validate(at, "get", given().get("/v1/sessions/" + id), 200);
        validate(at + "/executions", "post", given().contentType(ContentType.JSON).body(Api.request(PLOT))
                .post("/v1/sessions/" + id + "/executions"), 200);
        validate(at + "/interrupt", "post", given().post("/v1/sessions/" + id + "/interrupt"), 200);
        String file = at + "/files/{path}";
        validate(file, "put", given().contentType(ContentType.BINARY).body(new byte[]{1, 2, 3})
                .put("/v1/sessions/" + id + "/files/data/raw.bin"), 201);
        validate(at + "/files", "get", given().get("/v1/sessions/" + id + "/files"), 200);
        Response read = given().get("/v1/sessions/" + id + "/files/data/raw.bin");
        assertEquals(200, read.statusCode(), read.asString());
        assertTrue(document.at(pointer(file, "get") + "/responses/200/content/application~1octet-stream").isObject(),
                "the bytes' media type is documented");
        validate(file, "get", given().urlEncodingEnabled(false).get("/v1/sessions/" + id + "/files/..%2Fx"), 400);
        assertEquals(204, given().delete("/v1/sessions/" + id + "/files/data/raw.bin").statusCode());
        assertTrue(document.at(pointer(file, "delete") + "/responses/204").isObject());
        validate(file, "delete", given().delete("/v1/sessions/" + id + "/files/data/raw.bin"), 404);
        validate(at + "/restart", "post", given().post("/v1/sessions/" + id + "/restart"), 200);
        Response deleted = given().delete("/v1/sessions/" + id);
        assertEquals(204, deleted.statusCode());
        assertTrue(document.at(pointer(at, "delete") + "/responses/204").isObject(), "DELETE's 204 is documented");
        validate(at, "get", given().get("/v1/sessions/" + id), 404);
    }

    private static Response run(Object body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/executions");
    }

    /** The answer's status is documented for the operation, and its body matches the schema given for it. */
    private static void validate(String path, String method, Response answer, int status) {
        assertEquals(status, answer.statusCode(), answer.asString());
        String mediaType = answer.contentType().split(";")[0];
        JsonNode schema = strict(schemaOf(path, method, status, mediaType));
        try {
            assertValid(schema, JSON.readTree(answer.asString()), method + " " + path + " " + status);
        } catch (IOException e) {
            fail(e);
        }
    }

    private static JsonNode schemaOf(String path, String method, int status, String mediaType) {
        JsonNode responses = document.at(pointer(path, method) + "/responses");
        assertTrue(responses.isObject(), method + " " + path + " is not in the document");
        JsonNode response = responses.has(String.valueOf(status)) ? responses.get(String.valueOf(status)) : responses.get("default");
        assertNotNull(response, method + " " + path + " does not document " + status + ": " + JSON.convertValue(responses, Map.class).keySet());
        JsonNode schema = response.at("/content/" + mediaType.replace("/", "~1") + "/schema");
        assertTrue(schema.isObject(), method + " " + path + " " + status + " has no schema for " + mediaType);
        ObjectNode rooted = JSON.createObjectNode();
        rooted.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        rooted.set("allOf", JSON.createArrayNode().add(schema));
        rooted.set("components", document.get("components").deepCopy());
        return rooted;
    }

    /** Every object schema with properties allows those only: an undeclared field is a failure. */
    private static JsonNode strict(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        copy.get("components").get("schemas").forEach(component -> {
            if (component.has("properties") && !component.has("additionalProperties")) {
                ((ObjectNode) component).put("additionalProperties", false);
            }
        });
        return copy;
    }

    private static void assertValid(JsonNode schema, JsonNode instance, String what) {
        List<Error> errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schema)
                .validate(instance);
        assertTrue(errors.isEmpty(), what + " breaks the document: " + errors.stream().map(Error::toString).toList()
                + "\n" + instance);
    }

    private static String pointer(String path, String method) {
        return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method;
    }
}
