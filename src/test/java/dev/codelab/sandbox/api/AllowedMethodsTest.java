package dev.codelab.sandbox.api;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A 405's Allow header comes from the resources' annotations, path by path. */
class AllowedMethodsTest {

    @Test
    void eachPathNamesTheMethodsItsResourceAnswers() {
        assertEquals(Set.of("POST"), AllowedMethods.of("/v1/executions"));
        assertEquals(Set.of("GET"), AllowedMethods.of("/v1/runtimes"));
        assertEquals(Set.of("GET", "POST"), AllowedMethods.of("/v1/sessions"));
        assertEquals(Set.of("GET", "DELETE"), AllowedMethods.of("/v1/sessions/0f1e2d"));
        assertEquals(Set.of("POST"), AllowedMethods.of("/v1/sessions/0f1e2d/restart"));
        assertEquals(Set.of("POST"), AllowedMethods.of("/v1/sessions/0f1e2d/executions/"));
        assertEquals(Set.of(), AllowedMethods.of("/v1/sessions/a/b/c"), "not the API's: no Allow");
    }
}
