package dev.codelab.sandbox.session;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A hibernation disk that holds one image of a session with a few hundred MiB, not two. */
public class SmallDisk implements QuarkusTestProfile {

    static final int DISK_MB = 420;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("codelab.session.hibernation-disk-mb", Integer.toString(DISK_MB),
                "codelab.session.hibernate-after", "2s",
                "codelab.session.tend-every", "1s");
    }
}
