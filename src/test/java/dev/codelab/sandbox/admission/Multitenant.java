package dev.codelab.sandbox.admission;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * API keys required, and a small machine: 2 executions at once, 4 waiting for at most 20 s; the
 * production abuse threshold (the test profile raises it for the other suites).
 */
public class Multitenant implements QuarkusTestProfile {

    public static final Path KEYS_FILE = Path.of("target/test-keys.json").toAbsolutePath();
    public static final String OPEN_KEY = "key-open-0123456789";
    public static final String RATED_KEY = "key-rated-0123456789";
    public static final String SMALL_KEY = "key-small-0123456789";
    public static final String ABUSER_KEY = "key-abuser-0123456789";
    public static final String PROBER_KEY = "key-prober-0123456789";
    public static final String LATE_KEY = "key-added-later-0123456789";
    /** SessionKeysTest's own: a rate of 3 a minute, and a key its cells get throttled. */
    public static final String CELLS_RATED_KEY = "key-cells-rated-0123456789";
    public static final String CELLS_ABUSER_KEY = "key-cells-abuser-0123456789";
    /** Reads URLs and runs a tool in every run, as tutorials do (AdmissionTest). */
    public static final String TEACHER_KEY = "key-teacher-0123456789";
    /** DelegationTest's: a backend acting for its end users, one open session each. */
    public static final String PLATFORM_KEY = "key-platform-0123456789";
    /** AdmissionTest's refused streams: one run a minute. */
    public static final String STREAM_RATED_KEY = "key-stream-rated-0123456789";
    /** SessionKeysTest's: its keys file entry lowers the service's max-per-key sessions to 1. */
    public static final String ONE_SESSION_KEY = "key-one-session-0123456789";

    @Override
    public Map<String, String> getConfigOverrides() {
        writeKeys(false);
        return Map.of("codelab.admission.keys-file", KEYS_FILE.toString(),
                "codelab.admission.max-running", "2",
                "codelab.admission.max-queued", "4",
                "codelab.admission.max-queue-wait", "20s",
                "codelab.admission.abuse.max-limit-hits", "10",
                "codelab.admission.abuse.max-probing-runs", "5");
    }

    /** The keys file, with or without the key that the reload test adds. */
    public static void writeKeys(boolean withLateKey) {
        String keys = """
                {"keys": [
                  {"tenant": "open", "sha256": "%s"},
                  {"tenant": "rated", "sha256": "%s", "perMinute": 3},
                  {"tenant": "small", "sha256": "%s", "maxConcurrent": 1, "maxLimits": {"memoryMb": 128, "timeoutMs": 5000}},
                  {"tenant": "abuser", "sha256": "%s"},
                  {"tenant": "prober", "sha256": "%s"},
                  {"tenant": "cells-rated", "sha256": "%s", "perMinute": 3},
                  {"tenant": "cells-abuser", "sha256": "%s"},
                  {"tenant": "platform", "sha256": "%s", "delegates": true, "perUser": {"maxOpenSessions": 1}},
                  {"tenant": "teacher", "sha256": "%s"},
                  {"tenant": "one-session", "sha256": "%s", "maxSessions": 1},
                  {"tenant": "stream-rated", "sha256": "%s", "perMinute": 1}%s
                ]}
                """.formatted(sha256(OPEN_KEY), sha256(RATED_KEY), sha256(SMALL_KEY), sha256(ABUSER_KEY), sha256(PROBER_KEY),
                sha256(CELLS_RATED_KEY), sha256(CELLS_ABUSER_KEY), sha256(PLATFORM_KEY), sha256(TEACHER_KEY),
                sha256(ONE_SESSION_KEY), sha256(STREAM_RATED_KEY),
                withLateKey ? ",\n  {\"tenant\": \"late\", \"sha256\": \"" + sha256(LATE_KEY) + "\"}" : "");
        try {
            Files.createDirectories(KEYS_FILE.getParent());
            Files.writeString(KEYS_FILE, keys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
