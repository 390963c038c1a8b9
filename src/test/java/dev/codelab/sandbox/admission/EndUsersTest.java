package dev.codelab.sandbox.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** X-Codelab-User: only a delegating key may name an end user, and only by an id of the documented shape. */
class EndUsersTest {

    static final KeyPolicy.PerUser PER_USER = new KeyPolicy.PerUser(30, 2, 1, new KeyPolicy.Abuse(3, null));
    static final Tenant BACKEND = new Tenant("backend", new KeyPolicy(8, 600, null, true, PER_USER));
    static final Tenant PLAIN = new Tenant("plain", KeyPolicy.UNRESTRICTED);

    @TempDir
    Path dir;

    @Test
    void aDelegatingKeyActsForTheUserItNames() {
        Tenant alice = EndUsers.actingFor(BACKEND, List.of("alice@course-7"));
        assertEquals("alice@course-7", alice.user());
        assertEquals("backend", alice.name());
        assertEquals(PER_USER, alice.perUser());
        assertNotEquals(alice.owner(), EndUsers.actingFor(BACKEND, List.of("bob")).owner(), "two users, two owners");
        assertEquals(alice.key(), BACKEND.owner(), "the key's totals are the key's own owner");
        assertTrue(alice.subject().contains("user 'alice@course-7'"), alice.subject());
    }

    @Test
    void aDelegatingKeyWithoutTheHeaderActsAsItself() {
        assertNull(EndUsers.actingFor(BACKEND, null).user());
        assertNull(EndUsers.actingFor(BACKEND, List.of()).user());
        assertEquals(KeyPolicy.PerUser.NONE, BACKEND.perUser(), "no user, no per-user caps");
    }

    @Test
    void aKeyThatMayNotDelegateIsRefused() {
        EndUsers.RefusedException refused = assertThrows(EndUsers.RefusedException.class,
                () -> EndUsers.actingFor(PLAIN, List.of("alice")));
        assertTrue(refused.getMessage().contains("may not act for end users"), refused.getMessage());
    }

    @Test
    void anIdOfTheWrongShapeIsRefused() {
        for (String bad : List.of("", "   ", "x".repeat(129), "tab\there", "new\nline", "caf\u00e9", "nul\0")) {
            assertThrows(EndUsers.RefusedException.class, () -> EndUsers.actingFor(BACKEND, List.of(bad)), bad);
        }
        assertThrows(EndUsers.RefusedException.class, () -> EndUsers.actingFor(BACKEND, List.of("a", "b")),
                "two headers");
        assertEquals("x".repeat(128), EndUsers.actingFor(BACKEND, List.of("x".repeat(128))).user());
        assertEquals("a user ~!", EndUsers.actingFor(BACKEND, List.of("a user ~!")).user());
    }

    @Test
    void theKeysFileSaysWhoDelegatesAndWithWhatPerUserLimits() throws IOException {
        Path file = Files.writeString(dir.resolve("keys.json"), """
                {"keys": [{"tenant": "backend", "sha256": "%s", "delegates": true,
                           "perUser": {"perMinute": 30, "maxConcurrent": 2, "maxOpenSessions": 1, "abuse": {"maxLimitHits": 3}}},
                          {"tenant": "plain", "sha256": "%s"}]}
                """.formatted(Multitenant.sha256("k1"), Multitenant.sha256("k2")));
        ApiKeys keys = new ApiKeys(Optional.of(file), false, ApiKeysTest.ANONYMOUS, new ObjectMapper());
        keys.onStart(null);
        assertEquals(new KeyPolicy(null, null, null, true, PER_USER), keys.authenticate("Bearer k1").policy());
        assertEquals(false, keys.authenticate("Bearer k2").policy().delegates());
    }

    @Test
    void perUserLimitsWithoutDelegationOrBelowOneAreRefused() throws IOException {
        for (String entry : List.of("\"perUser\": {\"perMinute\": 5}", "\"delegates\": true, \"perUser\": {\"maxConcurrent\": 0}")) {
            Path file = Files.writeString(dir.resolve("keys.json"),
                    "{\"keys\": [{\"tenant\": \"t\", \"sha256\": \"" + Multitenant.sha256("k") + "\", " + entry + "}]}");
            ApiKeys keys = new ApiKeys(Optional.of(file), false, ApiKeysTest.ANONYMOUS, new ObjectMapper());
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> keys.onStart(null), entry);
            assertTrue(refused.getMessage().contains("perUser"), refused.getMessage());
        }
    }
}
