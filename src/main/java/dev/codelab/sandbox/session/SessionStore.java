package dev.codelab.sandbox.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.tenant.Tenant;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The sessions directory every replica mounts (codelab.session.shared-dir; a ReadWriteMany volume
 * in k8s, any directory on one machine), where sessions outlive the pod that opened them:
 *
 * <pre>
 *   hibernated/ID/        a hibernated session any replica may take over: meta.json, image/
 *   pods/POD/alive        a replica's heartbeat (its mtime)
 *   pods/POD/ID/          a session that replica holds: meta.json (and image/ while it checkpoints or restores)
 *   ended/ID.json         why a session ended, for an hour: any replica can say so
 *   disk/ID               the room an image holds or has reserved (HibernationDisk's ledger)
 *   trash/                what is being deleted (a rename first, so no one sees half of it)
 * </pre>
 *
 * Taking a session over is one {@code rename(2)} of its directory into the taker's: of two replicas
 * racing for it exactly one wins. Metadata is written to a temporary file, synced and renamed.
 */
final class SessionStore {

    private static final Logger LOG = Logger.getLogger(SessionStore.class);
    private static final String META = "meta.json";
    private static final Duration ENDED_KEPT = Duration.ofHours(1);

    /** Why a session ended, as recorded for any replica to tell. */
    record Ended(Tenant.Owner owner, EndReason reason, Instant at) {
    }

    private final Path root;
    private final String pod;
    private final ObjectMapper json;

    SessionStore(Path root, String pod, ObjectMapper json) {
        this.root = root;
        this.pod = pod;
        this.json = json;
        try {
            for (String dir : List.of("hibernated", "pods", "ended", "disk", "trash")) {
                Files.createDirectories(root.resolve(dir));
            }
            Files.createDirectories(held());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the sessions directory " + root, e);
        }
    }

    String pod() {
        return pod;
    }

    Path root() {
        return root;
    }

    /** Where this replica's session keeps its image while it is held here. */
    Path imageDir(String id) {
        return held().resolve(id).resolve("image");
    }

    /** Writes the session's metadata into this replica's holding, atomically. */
    void save(SessionMeta meta) {
        Path dir = held().resolve(meta.id());
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(META), json.writeValueAsBytes(meta));
        } catch (IOException e) {
            LOG.warnf("session %s: its metadata could not be written: %s", meta.id(), e.getMessage());
        }
    }

    /** Hands a session held here to any replica: its directory moves to hibernated/. False if that failed. */
    boolean publish(String id) {
        return move(held().resolve(id), root.resolve("hibernated").resolve(id));
    }

    /** Takes a hibernated session over; empty when it is not there, or another replica won the race. */
    Optional<SessionMeta> claim(String id) {
        Path taken = held().resolve(id);
        if (!move(root.resolve("hibernated").resolve(id), taken)) {
            return Optional.empty();
        }
        return read(taken);
    }

    /** Takes over a session a lost replica held; empty when another replica took it first. */
    Optional<SessionMeta> claimFrom(String lostPod, String id) {
        Path taken = held().resolve(id);
        if (!move(root.resolve("pods").resolve(lostPod).resolve(id), taken)) {
            return Optional.empty();
        }
        return read(taken);
    }

    /** A hibernated session's metadata, without taking it. */
    Optional<SessionMeta> peek(String id) {
        return read(root.resolve("hibernated").resolve(id));
    }

    /** Another replica that holds the session now, if one does (alive or not), and its metadata. */
    Optional<Map.Entry<String, SessionMeta>> holder(String id) {
        for (String other : pods()) {
            if (!other.equals(pod)) {
                Optional<SessionMeta> meta = read(root.resolve("pods").resolve(other).resolve(id));
                if (meta.isPresent()) {
                    return Optional.of(Map.entry(other, meta.get()));
                }
            }
        }
        return Optional.empty();
    }

    /** The sessions a replica holds (for a lost replica's: what it left). */
    List<SessionMeta> heldBy(String holder) {
        return list(root.resolve("pods").resolve(holder));
    }

    /** The sessions other replicas hold, each with its replica's name. */
    List<Map.Entry<String, SessionMeta>> heldElsewhere() {
        return pods().stream().filter(other -> !other.equals(pod))
                .flatMap(other -> heldBy(other).stream().map(meta -> Map.entry(other, meta))).toList();
    }

    /** Every hibernated session any replica may take over. */
    List<SessionMeta> published() {
        return list(root.resolve("hibernated"));
    }

    /** How many sessions of these owners the directory holds: hibernated, or held by any replica. */
    long countOf(java.util.function.Predicate<Tenant.Owner> owners) {
        Stream<SessionMeta> held = pods().stream().flatMap(holder -> heldBy(holder).stream());
        return Stream.concat(published().stream(), held).filter(meta -> owners.test(meta.owner())).count();
    }

    /** Removes a session held here, image and all. */
    void forget(String id) {
        delete(held().resolve(id));
    }

    /** Removes the image of a session held here (a restart replaced it); the session stays. */
    void dropImage(String id) {
        delete(imageDir(id));
    }

    /** Records why a session ended, for any replica to say. */
    void ended(String id, Tenant.Owner owner, EndReason reason) {
        try {
            writeAtomically(root.resolve("ended").resolve(id + ".json"),
                    json.writeValueAsBytes(new Ended(owner, reason, Instant.now())));
        } catch (IOException e) {
            LOG.debugf("session %s: its end could not be recorded: %s", id, e.getMessage());
        }
    }

    /** Why this owner's session ended lately, if it did. */
    Optional<EndReason> endReason(String id, Tenant.Owner owner) {
        try {
            Ended ended = json.readValue(root.resolve("ended").resolve(id + ".json").toFile(), Ended.class);
            return owner.equals(ended.owner()) && ended.at().plus(ENDED_KEPT).isAfter(Instant.now())
                    ? Optional.of(ended.reason()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** This replica is alive: its heartbeat's time moves on. */
    void beat() {
        Path alive = held().resolve("alive");
        try {
            Files.createDirectories(held()); // a replica that took this one for lost may have removed it
            if (!Files.exists(alive)) {
                Files.createFile(alive);
            }
            Files.setLastModifiedTime(alive, FileTime.from(Instant.now()));
        } catch (IOException e) {
            LOG.debugf("heartbeat: %s", e.getMessage());
        }
    }

    /**
     * Replicas whose heartbeat is older than {@code lostAfter} (this one never). One that has not
     * beaten yet is judged by when its directory appeared: it may be starting.
     */
    List<String> lostPods(Duration lostAfter) {
        Instant cutoff = Instant.now().minus(lostAfter);
        return pods().stream().filter(other -> !other.equals(pod)).filter(other -> {
            Path dir = root.resolve("pods").resolve(other);
            try {
                Path alive = dir.resolve("alive");
                return Files.getLastModifiedTime(Files.exists(alive) ? alive : dir).toInstant().isBefore(cutoff);
            } catch (IOException e) {
                return false; // gone meanwhile: nothing to recover
            }
        }).toList();
    }

    boolean alive(String other, Duration lostAfter) {
        return !lostPods(lostAfter).contains(other);
    }

    /** Removes a lost replica's directory once nothing of it is left to hand over. */
    void forgetPod(String lost) {
        delete(root.resolve("pods").resolve(lost));
    }

    /** This replica goes: its directory, which should hold nothing by now. */
    void leave() {
        delete(held());
    }

    /** Old records of ended sessions go. */
    void pruneEnded() {
        Instant cutoff = Instant.now().minus(ENDED_KEPT);
        try (Stream<Path> files = Files.list(root.resolve("ended"))) {
            files.filter(file -> {
                try {
                    return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
                } catch (IOException e) {
                    return false;
                }
            }).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("pruning ended sessions: %s", e.getMessage());
        }
    }

    /**
     * Runs {@code action} holding the directory's lock, which every replica shares (a file lock; and
     * this object's monitor, as a JVM may hold a file's lock only once). Not reentrant.
     */
    synchronized <T> T locked(Callable<T> action) {
        try (FileChannel lock = FileChannel.open(root.resolve("disk.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            return action.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the sessions directory's lock: " + e.getMessage(), e);
        }
    }

    Path disk() {
        return root.resolve("disk");
    }

    private Path held() {
        return root.resolve("pods").resolve(pod);
    }

    private List<String> pods() {
        try (Stream<Path> dirs = Files.list(root.resolve("pods"))) {
            return dirs.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private List<SessionMeta> list(Path dir) {
        List<SessionMeta> found = new ArrayList<>();
        try (Stream<Path> sessions = Files.list(dir)) {
            sessions.filter(Files::isDirectory).sorted(Comparator.naturalOrder())
                    .forEach(session -> read(session).ifPresent(found::add));
        } catch (IOException e) {
            LOG.debugf("listing %s: %s", dir, e.getMessage());
        }
        return found;
    }

    private Optional<SessionMeta> read(Path dir) {
        Path file = dir.resolve(META);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            SessionMeta meta = json.readValue(file.toFile(), SessionMeta.class);
            return SessionMeta.READABLE.contains(meta.format()) ? Optional.of(meta) : Optional.empty();
        } catch (IOException e) {
            LOG.warnf("%s cannot be read: %s", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** rename(2): false when the source is gone (another replica moved it) or the target exists. */
    private static boolean move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException | FileAlreadyExistsException | DirectoryNotEmptyException e) {
            return false;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IllegalStateException("the sessions directory cannot rename atomically: " + e.getMessage(), e);
        } catch (IOException e) {
            LOG.warnf("moving %s to %s: %s", from, to, e.getMessage());
            return false;
        }
    }

    /** A directory goes into the trash first (one rename), then away. */
    private void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        Path trashed = root.resolve("trash").resolve(dir.getFileName() + "-" + UUID.randomUUID());
        Path gone = move(dir, trashed) ? trashed : dir;
        try (Stream<Path> paths = Files.walk(gone)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("could not remove %s: %s", gone, e.getMessage());
        }
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Path temporary = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
