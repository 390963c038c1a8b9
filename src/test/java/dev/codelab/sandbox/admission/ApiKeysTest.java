package dev.codelab.sandbox.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secure by default: without usable keys the service does not start, unless it is declared open. */
class ApiKeysTest {

    static final KeyPolicy ANONYMOUS = new KeyPolicy(4, 60, null);

    @TempDir
    Path dir;

    private static ApiKeys keys(Optional<Path> file, boolean open) {
        return new ApiKeys(file, open, ANONYMOUS, new ObjectMapper());
    }

    @Test
    void noKeysFileAndNotDeclaredOpenRefusesToStart() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> keys(Optional.empty(), false).onStart(null));
        assertTrue(refused.getMessage().startsWith("refusing to start: no API keys file is configured"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("codelab.admission.open=true"), refused.getMessage());
    }

    @Test
    void aKeysFileStillHoldingItsPlaceholderRefusesToStart() throws IOException {
        Path file = Files.writeString(dir.resolve("keys.json"),
                "{\"keys\": [{\"tenant\": \"replace-me\", \"sha256\": \"REPLACE_WITH_THE_SHA256_OF_A_KEY\"}]}");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> keys(Optional.of(file), false).onStart(null));
        assertTrue(refused.getMessage().contains("64-hex-digit sha256"), refused.getMessage());
        assertThrows(IllegalStateException.class,
                () -> keys(Optional.of(dir.resolve("missing.json")), true).onStart(null));
    }

    @Test
    void anOpenServiceRunsEveryCallerAsOneLimitedTenant() {
        ApiKeys keys = keys(Optional.empty(), true);
        keys.onStart(null);
        Tenant tenant = keys.authenticate(null);
        assertEquals("anonymous", tenant.name());
        assertEquals(ANONYMOUS, tenant.policy());
        assertEquals(tenant, keys.authenticate("Bearer anything"));
    }

    @Test
    void aValidKeysFileStartsAndAuthenticates() throws IOException {
        String hash = java.util.HexFormat.of().formatHex(ApiKeys.sha256("k-123"));
        Path file = Files.writeString(dir.resolve("keys.json"),
                "{\"keys\": [{\"tenant\": \"notebooks\", \"sha256\": \"" + hash + "\", \"perMinute\": 5}]}");
        ApiKeys keys = keys(Optional.of(file), false);
        keys.onStart(null);
        assertEquals("notebooks", keys.authenticate("Bearer k-123").name());
        assertThrows(ApiKeys.UnauthorizedException.class, () -> keys.authenticate(null));
    }

    @Test
    void aKeysOwnSessionCapOverridesTheServicesAndMustBeAWholeNumber() throws IOException {
        String hash = java.util.HexFormat.of().formatHex(ApiKeys.sha256("k-123"));
        Path file = Files.writeString(dir.resolve("keys.json"),
                "{\"keys\": [{\"tenant\": \"lab\", \"sha256\": \"" + hash + "\", \"maxSessions\": 2}]}");
        ApiKeys keys = keys(Optional.of(file), false);
        keys.onStart(null);
        assertEquals(2, keys.authenticate("Bearer k-123").policy().maxSessionsOr(4));
        assertEquals(4, ANONYMOUS.maxSessionsOr(4), "unset: the service's");
        Files.writeString(file, "{\"keys\": [{\"tenant\": \"lab\", \"sha256\": \"" + hash + "\", \"maxSessions\": -1}]}");
        ApiKeys refused = keys(Optional.of(file), false);
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> refused.onStart(null));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("maxSessions"), error.getMessage());
    }
}
