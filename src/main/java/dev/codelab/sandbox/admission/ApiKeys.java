package dev.codelab.sandbox.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * API keys, stored as SHA-256 hashes with a tenant and a policy each, read from the keys file and
 * read again whenever it changes. No keys file: the service refuses to start, unless it is
 * declared open; then every request runs as the one anonymous tenant.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    @RegisterForReflection
    record KeyEntry(String tenant, String sha256, Integer maxConcurrent, Integer perMinute,
                    KeyPolicy.MaxLimits maxLimits, Boolean delegates, KeyPolicy.PerUser perUser) {
    }

    @RegisterForReflection
    record KeysFile(List<KeyEntry> keys) {
    }

    private record Key(byte[] hash, Tenant tenant) {
    }

    /** The presented credentials are missing or wrong. */
    public static class UnauthorizedException extends RuntimeException {
        public UnauthorizedException(String detail) {
            super(detail, null, false, false);
        }
    }

    private final Optional<Path> file;
    private final boolean open;
    private final Tenant anonymous;
    private final ObjectMapper json;
    private volatile List<Key> keys = List.of();
    private volatile FileTime loadedVersion;

    @Inject
    ApiKeys(AdmissionConfig config, ObjectMapper json) {
        this(config.keysFile(), config.open(), new KeyPolicy(boxed(config.anonymous().maxConcurrent()),
                boxed(config.anonymous().perMinute()), null), json);
    }

    ApiKeys(Optional<Path> file, boolean open, KeyPolicy anonymous, ObjectMapper json) {
        this.file = file;
        this.open = open;
        this.anonymous = Tenant.anonymous(anonymous);
        this.json = json;
    }

    private static Integer boxed(OptionalInt value) {
        return value.isPresent() ? value.getAsInt() : null;
    }

    /** Without usable keys, and not declared open, the service refuses to start: an exception here ends start-up. */
    void onStart(@Observes StartupEvent event) {
        if (file.isPresent()) {
            try {
                load();
            } catch (IOException | RuntimeException e) {
                String why = e instanceof NoSuchFileException ? "it does not exist" : e.getMessage();
                throw refuse("the API keys file " + file.get() + " cannot be used (" + why + ")",
                        "Fix it: every key needs a tenant and the 64-hex-digit sha256 of the key");
            }
            LOG.infof("API keys required: %d keys loaded from %s", keys.size(), file.get());
        } else if (open) {
            LOG.warnf("codelab.admission.open=true and no API keys file: the service is OPEN to anyone who can reach"
                    + " it, all as the tenant 'anonymous' (executions at once: %s, per minute: %s)",
                    limit(anonymous.policy().maxConcurrent()), limit(anonymous.policy().perMinute()));
        } else {
            throw refuse("no API keys file is configured (codelab.admission.keys-file)", "Mount a keys file, or set"
                    + " codelab.admission.open=true (CODELAB_ADMISSION_OPEN=true) if this service is meant to be open"
                    + " to anyone who can reach it");
        }
    }

    private static IllegalStateException refuse(String why, String remedy) {
        String message = "refusing to start: " + why + ". " + remedy;
        LOG.error(message);
        return new IllegalStateException(message);
    }

    private static String limit(Integer value) {
        return value == null ? "no limit" : value.toString();
    }

    /** The tenant of an `Authorization: Bearer <key>` header; compares in constant time. */
    public Tenant authenticate(String authorization) {
        if (file.isEmpty()) {
            return anonymous;
        }
        reloadIfChanged();
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new UnauthorizedException("send an API key as `Authorization: Bearer <key>`");
        }
        byte[] presented = sha256(authorization.substring(7).strip());
        Tenant match = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.hash(), presented)) {
                match = key.tenant(); // no early exit: every key is compared
            }
        }
        if (match == null) {
            throw new UnauthorizedException("the API key is not valid");
        }
        return match;
    }

    private synchronized void reloadIfChanged() {
        try {
            if (load()) {
                LOG.infof("API keys reloaded: %d keys", keys.size());
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf("cannot read the API keys file %s (%s); keeping the %d keys loaded before",
                    file.get(), e.getMessage(), keys.size());
        }
    }

    /** Reads the file if it changed since it was last read; true if it did. */
    private synchronized boolean load() throws IOException {
        FileTime version = Files.getLastModifiedTime(file.get());
        if (version.equals(loadedVersion)) {
            return false;
        }
        KeysFile loaded = json.readValue(file.get().toFile(), KeysFile.class);
        if (loaded == null || loaded.keys() == null) {
            throw new IllegalArgumentException("the file needs a \"keys\" array");
        }
        keys = loaded.keys().stream().map(ApiKeys::toKey).toList();
        loadedVersion = version;
        return true;
    }

    private static Key toKey(KeyEntry entry) {
        if (entry.tenant() == null || entry.sha256() == null || entry.sha256().length() != 64) {
            throw new IllegalArgumentException("every key needs a tenant and a 64-hex-digit sha256");
        }
        boolean delegates = Boolean.TRUE.equals(entry.delegates());
        if (entry.perUser() != null && !delegates) {
            throw new IllegalArgumentException("the key of " + entry.tenant() + " has perUser limits but no \"delegates\": true");
        }
        KeyPolicy.PerUser perUser = entry.perUser();
        KeyPolicy.Abuse abuse = perUser == null ? null : perUser.abuse();
        if (perUser != null && !positive(perUser.perMinute(), perUser.maxConcurrent(), perUser.maxOpenSessions(),
                abuse == null ? null : abuse.maxLimitHits(), abuse == null ? null : abuse.maxProbingRuns())) {
            throw new IllegalArgumentException("the perUser limits of " + entry.tenant() + " must be whole numbers >= 1");
        }
        KeyPolicy policy = new KeyPolicy(entry.maxConcurrent(), entry.perMinute(), entry.maxLimits(), delegates, perUser);
        return new Key(HexFormat.of().parseHex(entry.sha256()), new Tenant(entry.tenant(), policy));
    }

    private static boolean positive(Integer... values) {
        return java.util.Arrays.stream(values).allMatch(value -> value == null || value >= 1);
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
