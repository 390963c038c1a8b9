package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mime bundle rule, on the vectors the runner tests too (runsc/protocol/bundles.json): a
 * `text/html; charset=utf-8` or a vega-lite `+json` bundle, which Jupyter allows, once passed the
 * supervisor and then failed the run at the host.
 */
class SandboxOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SandboxOutput checks = new SandboxOutput(JSON, Cells.CAPS);

    @Test
    void theSharedVectorsAreValidAndInvalidAsTheRunnerSays() throws IOException {
        JsonNode vectors = JSON.readTree(Path.of("runsc/protocol/bundles.json").toFile());
        assertTrue(vectors.get("valid").size() > 5 && vectors.get("invalid").size() > 5);
        for (JsonNode valid : vectors.get("valid")) {
            assertDoesNotThrow(() -> checks.bundle(JSON.writeValueAsBytes(valid)), valid.toString());
        }
        for (JsonNode invalid : vectors.get("invalid")) {
            assertThrows(SandboxOutput.Invalid.class, () -> checks.bundle(JSON.writeValueAsBytes(invalid)),
                    invalid.toString());
        }
    }

    @Test
    void aBundleNestedDeeperThanJacksonAllowsIsInvalidNotAFailure() {
        byte[] deep = ("{\"text/plain\": \"x\", \"application/json\": " + "[".repeat(200_000))
                .getBytes(StandardCharsets.UTF_8);
        assertThrows(SandboxOutput.Invalid.class, () -> checks.bundle(deep));
    }

    @Test
    void aDisplayWithAnIdIsExactlyIdUpdateAndData() throws SandboxOutput.Invalid {
        assertEquals(new ExecutionResult.Display(java.util.Map.of("text/plain", "x"), "bar", true),
                checks.displayWithId(bytes("{\"id\": \"bar\", \"update\": true, \"data\": {\"text/plain\": \"x\"}}")));
        assertEquals(null, checks.displayWithId(bytes("{\"id\": \"b\", \"update\": false, \"data\": {\"text/plain\": \"x\"}}"))
                .update(), "a new display carries no update field");
        for (String invalid : new String[] {
                "{\"id\": \"\", \"update\": false, \"data\": {\"text/plain\": \"x\"}}",
                "{\"id\": \"" + "i".repeat(129) + "\", \"update\": false, \"data\": {\"text/plain\": \"x\"}}",
                "{\"id\": \"a\\u0007\", \"update\": false, \"data\": {\"text/plain\": \"x\"}}",
                "{\"id\": 7, \"update\": false, \"data\": {\"text/plain\": \"x\"}}",
                "{\"id\": \"a\", \"update\": \"yes\", \"data\": {\"text/plain\": \"x\"}}",
                "{\"id\": \"a\", \"update\": false, \"data\": {\"text/html\": \"x\"}}",
                "{\"id\": \"a\", \"update\": false, \"data\": {\"text/plain\": \"x\"}, \"more\": 1}",
                "[]"}) {
            assertThrows(SandboxOutput.Invalid.class, () -> checks.displayWithId(bytes(invalid)), invalid);
        }
    }

    @Test
    void anErrorIsExactlyEnameEvalueAndTracebackWithinItsBounds() throws SandboxOutput.Invalid {
        assertEquals(new ExecutionResult.Error("E", "\uFFFD", java.util.List.of("E: \uFFFD")),
                checks.error(bytes("{\"ename\": \"E\", \"evalue\": \"\\ud800\", \"traceback\": [\"E: \\udc00\"]}")),
                "lone surrogates are replaced, as in every text of the answer");
        for (String invalid : new String[] {
                "{\"ename\": \"\", \"evalue\": \"\", \"traceback\": []}",
                "{\"ename\": \"" + "E".repeat(201) + "\", \"evalue\": \"\", \"traceback\": []}",
                "{\"ename\": \"E\", \"evalue\": null, \"traceback\": []}",
                "{\"ename\": \"E\", \"evalue\": \"\", \"traceback\": [1]}",
                "{\"ename\": \"E\", \"evalue\": \"\", \"traceback\": [" + "\"l\",".repeat(1000) + "\"l\"]}",
                "{\"ename\": \"E\", \"evalue\": \"\"}"}) {
            assertThrows(SandboxOutput.Invalid.class, () -> checks.error(bytes(invalid)), invalid);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
