package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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
}
