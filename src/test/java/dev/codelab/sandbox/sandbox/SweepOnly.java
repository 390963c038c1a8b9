package dev.codelab.sandbox.sandbox;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A service of its own (state, cgroups, no pool), so that sweeping it touches no other test's sandboxes. */
public class SweepOnly implements QuarkusTestProfile {

    static final String STATE_DIR = "/run/codelab-sandbox-sweep";
    static final String CGROUP_PARENT = "codelab-sweep";

    @Override
    public Map<String, String> getConfigOverrides() {
        // The %test names too: application.properties gives the test profile its own values.
        return Map.of("%test.codelab.sandbox.state-dir", STATE_DIR, "%test.codelab.sandbox.cgroup-parent", CGROUP_PARENT,
                "codelab.pool.enabled", "false");
    }
}
