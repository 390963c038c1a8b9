package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One rule for paths given and paths returned, and the same rule as the runner's: both sides test
 * the vectors of runsc/protocol/paths.json (issue 18 row 7: `🫠.txt` once killed a run, the two
 * sides' Unicode tables disagreeing).
 */
class WorkspacePathTest {

    private static final JsonNode VECTORS = vectors();

    private static JsonNode vectors() {
        try {
            return new ObjectMapper().readTree(Path.of("runsc/protocol/paths.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theSharedVectorsAreAcceptedAndRefusedAsTheRunnerDoes() {
        assertTrue(VECTORS.get("accepted").size() > 5 && VECTORS.get("refused").size() > 5);
        VECTORS.get("accepted").forEach(path -> assertNull(WorkspacePath.problem(path.asText(), 8), path.asText()));
        VECTORS.get("refused").forEach(path -> assertNotNull(WorkspacePath.problem(path.asText(), 8), path.asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "data/in.csv", "a/b/c/d/e/f/g/h", ".hidden", "x..y", "naïve résumé.txt", "tab é",
            "\uD83E\uDEE0.txt", "a\u0378b", "\uE000private"})
    void relativePathsOfAnyCharacterNotRefusedPass(String path) {
        assertNull(WorkspacePath.problem(path, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "..", "../x", "a/../b", "a/./b", "a//b", "a/", "a\\b", "nul\0x",
            "a/b/c/d/e/f/g/h/i", "esc\u001b[31m", "bell\u0007", "tab\tname", "line\u2028sep", "lone\uD800", "c1\u0085",
            "bom\uFEFF", "del\u007F"})
    void escapingOrRefusedPathsFail(String path) {
        assertNotNull(WorkspacePath.problem(path, 8));
    }

    @Test
    void lengthsCountCharactersAndSegmentsCountBytes() {
        assertNull(WorkspacePath.problem("\uD83E\uDEE0".repeat(63), 8), "63 emoji: 252 bytes, 63 characters");
        assertNotNull(WorkspacePath.problem("\uD83E\uDEE0".repeat(64), 8), "a segment of 256 bytes");
        assertNull(WorkspacePath.problem("a/".repeat(7) + "x".repeat(241), 8));
        assertNotNull(WorkspacePath.problem("a/".repeat(7) + "x".repeat(242), 8), "256 characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"esc\u001b[31m", "a\\b", "lone\uD800"})
    void aPathShownBackHasNoRefusedCharacter(String path) {
        assertTrue(WorkspacePath.allowed(WorkspacePath.shown(path)), WorkspacePath.shown(path));
        assertEquals(path.length(), WorkspacePath.shown(path).length());
    }
}
