package dev.codelab.sandbox.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkspacePathTest {

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "data/in.csv", "a/b/c/d/e/f/g/h", ".hidden", "x..y"})
    void relativePathsPass(String path) {
        assertEquals(path, WorkspacePath.check("files[0].path", path, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "..", "../x", "a/../b", "a/./b", "a//b", "a/", "a\\b", "nul\0x",
            "a/b/c/d/e/f/g/h/i"})
    void escapingOrOddPathsFail(String path) {
        InvalidRequestException error = assertThrows(InvalidRequestException.class,
                () -> WorkspacePath.check("files[0].path", path, 8));
        assertEquals("files[0].path", error.field());
    }
}
