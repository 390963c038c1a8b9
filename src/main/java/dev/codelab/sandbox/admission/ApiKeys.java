package dev.codelab.sandbox.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys, stored as SHA-256 hashes with a tenant and a policy each, read from the keys file and
 * read again whenever it changes. No keys file: the service is open.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    @RegisterForReflection
    record KeyEntry(String tenant, String sha256, Integer maxConcurrent, Integer perMinute,
                    KeyPolicy.MaxLimits maxLimits) {
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
    private final ObjectMapper json;
    private volatile List<Key> keys = List.of();
    private volatile FileTime loadedVersion;

    ApiKeys(AdmissionConfig config, ObjectMapper json) {
        this.file = config.keysFile();
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) {
        if (file.isEmpty()) {
            LOG.warn("no API keys file is configured (codelab.admission.keys-file): the service is OPEN to anyone "
                    + "who can reach it");
            return;
        }
        reloadIfChanged();
        LOG.infof("API keys required: %d keys loaded from %s", keys.size(), file.get());
    }

    public boolean required() {
        return file.isPresent();
    }

    /** The tenant of an `Authorization: Bearer <key>` header; compares in constant time. */
    public Tenant authenticate(String authorization) {
        if (file.isEmpty()) {
            return Tenant.ANONYMOUS;
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
            FileTime version = Files.getLastModifiedTime(file.get());
            if (version.equals(loadedVersion)) {
                return;
            }
            KeysFile loaded = json.readValue(file.get().toFile(), KeysFile.class);
            keys = loaded.keys().stream().map(ApiKeys::toKey).toList();
            if (loadedVersion != null) {
                LOG.infof("API keys reloaded: %d keys", keys.size());
            }
            loadedVersion = version;
        } catch (IOException | RuntimeException e) {
            LOG.errorf("cannot read the API keys file %s (%s); keeping the %d keys loaded before",
                    file.get(), e.getMessage(), keys.size());
        }
    }

    private static Key toKey(KeyEntry entry) {
        if (entry.tenant() == null || entry.sha256() == null || entry.sha256().length() != 64) {
            throw new IllegalArgumentException("every key needs a tenant and a 64-hex-digit sha256");
        }
        KeyPolicy policy = new KeyPolicy(entry.maxConcurrent(), entry.perMinute(), entry.maxLimits());
        return new Key(HexFormat.of().parseHex(entry.sha256()), new Tenant(entry.tenant(), policy, true));
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
