package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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

    private static final ExecutionPlan FILE_OPS = new ExecutionPlan(null, null, null, "", "",
            List.of(new ExecutionPlan.InputFile("up.bin", new byte[1])), Map.of(), null,
            new WorkspaceOps(true, List.of("a.txt", "b.txt"), List.of("c.txt")));

    private static String report(String workspace) {
        return "{\"files\": [], \"omitted\": [], \"workspace\": " + workspace + "}";
    }

    @Test
    void theAnswerToFileOperationsIsExactlyWhatWasAsked() throws SandboxOutput.Invalid {
        String listing = "{\"files\": [{\"path\": \"a.txt\", \"size\": 1}, {\"path\": \"d/\u00e9 \ud83e\udee0\", \"size\": 0}],"
                + " \"omitted\": [{\"path\": \"link\", \"reason\": \"symlink\"}]}";
        String valid = "{\"replaced\": [\"up.bin\"], \"deleted\": [\"c.txt\"], \"read\": [{\"path\": \"a.txt\","
                + " \"size\": 1, \"content\": \"eA==\", \"encoding\": \"base64\"}], \"unread\": [{\"path\": \"b.txt\","
                + " \"reason\": \"too large\"}], \"listing\": " + listing + "}";
        WorkspaceAnswer answer = checks.files(bytes(report(valid)), FILE_OPS).workspace();
        assertEquals(List.of("up.bin"), answer.replaced());
        assertEquals("a.txt", answer.read().get(0).path());
        assertEquals(2, answer.listing().files().size());
        assertEquals(null, checks.files(bytes("{\"files\": [], \"omitted\": []}"), FILE_OPS.withWorkspace(null)).workspace());
        for (String invalid : List.of(
                valid.replace("\"replaced\": [\"up.bin\"]", "\"replaced\": [\"other\"]"),
                valid.replace("\"deleted\": [\"c.txt\"]", "\"deleted\": [\"c.txt\", \"c.txt\"]"),
                valid.replace("\"deleted\": [\"c.txt\"]", "\"deleted\": [\"../etc/passwd\"]"),
                valid.replace("\"size\": 1, \"content\"", "\"size\": 2, \"content\""),
                valid.replace("\"reason\": \"too large\"", "\"reason\": \"gone\""),
                valid.replace("\"path\": \"b.txt\",", "\"path\": \"a.txt\","),
                valid.replace(", \"unread\": [{\"path\": \"b.txt\", \"reason\": \"too large\"}]", ", \"unread\": []"),
                valid.replace("\"size\": 0}", "\"size\": -1}"),
                valid.replace("\"path\": \"d/\u00e9 \ud83e\udee0\"", "\"path\": \"/etc/passwd\""),
                valid.replace("\"path\": \"d/\u00e9 \ud83e\udee0\"", "\"path\": \"a.txt\""),
                valid.replace(", \"listing\": " + listing, ""),
                valid.replace("\"deleted\": [\"c.txt\"]", "\"deleted\": null"),
                valid.replace("\"replaced\"", "\"more\": 1, \"replaced\""),
                "[]")) {
            assertThrows(SandboxOutput.Invalid.class, () -> checks.files(bytes(report(invalid)), FILE_OPS), invalid);
        }
        String many = "{\"replaced\": [], \"deleted\": [], \"read\": [], \"unread\": [], \"listing\": {\"files\": ["
                + String.join(", ", java.util.stream.IntStream.rangeClosed(0, Cells.CAPS.files())
                .mapToObj(i -> "{\"path\": \"f" + i + "\", \"size\": 1}").toList()) + "], \"omitted\": []}}";
        assertThrows(SandboxOutput.Invalid.class, () -> checks.files(bytes(report(many)),
                FILE_OPS.withWorkspace(WorkspaceOps.listing())), "over the count");
        assertThrows(SandboxOutput.Invalid.class, () -> checks.files(bytes("{\"files\": [], \"omitted\": []}"), FILE_OPS),
                "asked, not answered");
        assertThrows(SandboxOutput.Invalid.class, () -> checks.files(bytes(report(valid)), FILE_OPS.withWorkspace(null)),
                "answered, not asked");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
