package dev.codelab.sandbox.execution;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One rule for paths given and paths returned. */
class WorkspacePathTest {

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "data/in.csv", "a/b/c/d/e/f/g/h", ".hidden", "x..y", "naïve résumé.txt", "tab é"})
    void relativePrintablePathsPass(String path) {
        assertNull(WorkspacePath.problem(path, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "..", "../x", "a/../b", "a/./b", "a//b", "a/", "a\\b", "nul\0x",
            "a/b/c/d/e/f/g/h/i", "esc\u001b[31m", "bell\u0007", "tab\tname", "line\u2028sep", "lone\uD800"})
    void escapingOrUnprintablePathsFail(String path) {
        assertNotNull(WorkspacePath.problem(path, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"esc\u001b[31m", "a\\b", "lone\uD800"})
    void aPathShownBackIsPrintable(String path) {
        assertTrue(WorkspacePath.printable(WorkspacePath.shown(path)), WorkspacePath.shown(path));
    }
}
