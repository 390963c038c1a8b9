package dev.codelab.sandbox;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Checkpoint/restore off: every run starts cold, so the pipeline's tests cover both ways of starting. */
public class ColdStarts implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("codelab.pool.enabled", "false");
    }
}
