package dev.codelab.sandbox.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.codelab.sandbox.sandbox.ImageFingerprint;
import dev.codelab.sandbox.tenant.Tenant;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sessions directory every replica shares: claims by rename, records, heartbeats (issue 20). */
class SessionStoreTest {

    private static final Tenant.Owner OWNER = new Tenant.Owner("tenant", null);

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    @TempDir
    Path dir;

    private SessionStore replica(String pod) {
        return new SessionStore(dir, pod, JSON);
    }

    private static SessionMeta meta(String id, String state) {
        Instant now = Instant.now();
        return new SessionMeta(SessionMeta.FORMAT, id, OWNER, "python", new SandboxLimits(30_000, 1, 256, 64, 1 << 20, 64),
                Map.of(), List.of(), 600_000, now, now, now.plus(Duration.ofHours(8)), 3, 3, state, "a",
                new SessionMeta.Shape(true, new SandboxLimits(30_000, 1, 256, 64, 1 << 20, 64)),
                new ImageFingerprint("runsc 1", "root", "runner", "v1"), "ml");
    }

    @Test
    void ofTwoReplicasClaimingOneSessionExactlyOneGetsIt() {
        SessionStore a = replica("a");
        SessionStore b = replica("b");
        a.save(meta("s", SessionMeta.HIBERNATED));
        assertTrue(a.publish("s"));
        assertEquals(1, b.published().size());
        Optional<SessionMeta> first = b.claim("s");
        Optional<SessionMeta> second = a.claim("s");
        assertTrue(first.isPresent());
        assertFalse(second.isPresent(), "the loser finds nothing to take");
        assertEquals(3, first.get().lastCell(), "the record comes with it");
        assertEquals("b", a.holder("s").orElseThrow().getKey());
    }

    @Test
    void whyASessionEndedIsToldToItsTenantOnly() {
        SessionStore a = replica("a");
        a.ended("s", OWNER, EndReason.POD_LOST);
        assertEquals(Optional.of(EndReason.POD_LOST), replica("b").endReason("s", OWNER));
        assertEquals(Optional.empty(), replica("b").endReason("s", new Tenant.Owner("tenant", "another user")),
                "another user of the same key is told nothing");
        assertEquals(Optional.empty(), replica("b").endReason("s", new Tenant.Owner("another", null)));
    }

    @Test
    void aReplicaWithoutAFreshHeartbeatIsLostAndItsSessionsCanBeTaken() throws Exception {
        SessionStore a = replica("a");
        SessionStore b = replica("b");
        a.beat();
        b.beat();
        a.save(meta("live", SessionMeta.ACTIVE));
        assertEquals(List.of(), b.lostPods(Duration.ofSeconds(30)));
        Files.setLastModifiedTime(dir.resolve("pods/a/alive"),
                java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(60)));
        assertEquals(List.of("a"), b.lostPods(Duration.ofSeconds(30)));
        assertTrue(b.claimFrom("a", "live").isPresent());
        b.forget("live");
        b.forgetPod("a");
        assertFalse(Files.exists(dir.resolve("pods/a")));
        assertFalse(Files.exists(dir.resolve("pods/b/live")));
    }

    @Test
    void aRecordOfTheFormerFormatIsReadAsASessionOnTheDefaultProfile() throws Exception {
        replica("a").save(meta("new", SessionMeta.HIBERNATED));
        SessionStore b = replica("b");
        assertEquals("ml", b.holder("new").orElseThrow().getValue().profile(), "format 3 keeps the warm profile");
        Path file = dir.resolve("pods/a/new/meta.json");
        var record = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(file.toFile());
        record.remove("profile");
        Files.write(file, JSON.writeValueAsBytes(record.put("format", 2)));
        SessionMeta older = b.holder("new").orElseThrow().getValue();
        assertEquals(2, older.format());
        assertEquals(null, older.profile(), "an older replica's session: the default profile");
        Files.write(file, JSON.writeValueAsBytes(record.put("format", 1)));
        assertEquals(Optional.empty(), b.holder("new"), "a format this version does not know is not taken");
    }

    @Test
    void aRecordOnTheDefaultProfileIsOneTheVersionBeforeProfilesReads() throws Exception {
        SessionMeta base = meta("base", SessionMeta.HIBERNATED);
        replica("a").save(new SessionMeta(SessionMeta.formatFor(null), base.id(), base.owner(), base.language(),
                base.limits(), base.env(), base.files(), base.idleTimeoutMs(), base.createdAt(), base.lastUsedAt(),
                base.endOfLife(), base.cells(), base.lastCell(), base.state(), base.pod(), base.shape(), base.image(), null));
        var record = JSON.readTree(dir.resolve("pods/a/base/meta.json").toFile());
        assertEquals(2, record.get("format").asInt(), "format 2, as that version wrote");
        assertFalse(record.has("profile"), "no field that version does not know (it fails on unknown fields)");
        assertEquals(3, SessionMeta.formatFor("ml"));
    }

    @Test
    void aRecordIsWrittenWholeOrNotAtAll() throws Exception {
        SessionStore a = replica("a");
        a.save(meta("s", SessionMeta.ACTIVE));
        try (var files = Files.list(dir.resolve("pods/a/s"))) {
            assertEquals(List.of("meta.json"), files.map(path -> path.getFileName().toString()).toList(),
                    "no temporary file is left beside it");
        }
    }
}
