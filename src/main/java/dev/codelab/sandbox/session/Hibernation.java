package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.SandboxUnavailableException;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Hibernated;
import dev.codelab.sandbox.sandbox.ImageFingerprint;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.Sandboxes;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A session's sandbox to disk and back: the checkpoint into the sessions directory (its room on the
 * shared disk reserved first), the hand-over of the image to any replica, and the restore with the
 * session's own limits and memory held again.
 */
final class Hibernation {

    private static final Logger LOG = Logger.getLogger(Hibernation.class);
    /** Room an image may need beyond its sandbox's memory: the sentry's serialized kernel state. */
    private static final long IMAGE_MARGIN_BYTES = 32L * 1024 * 1024;

    /** What became of a checkpoint. */
    enum Outcome { PUBLISHED, KEPT, DECLINED, FAILED, ENDED }

    private final SessionStore store;
    private final HibernationDisk disk;
    private final Sandboxes sandboxes;
    private final SessionAdmission admission;
    private final Timer hibernations;
    private final Timer resumptions;
    private final Evictor evictor;

    /** Ends hibernated sessions of the directory (any replica's) to make room, least recently used first. */
    interface Evictor {
        void evict(SessionMeta meta);
    }

    Hibernation(SessionStore store, HibernationDisk disk, Sandboxes sandboxes, SessionAdmission admission,
                Timer hibernations, Timer resumptions, Evictor evictor) {
        this.store = store;
        this.disk = disk;
        this.sandboxes = sandboxes;
        this.admission = admission;
        this.hibernations = hibernations;
        this.resumptions = resumptions;
        this.evictor = evictor;
    }

    /**
     * Checkpoints an idle session, its image's room reserved first (its sandbox's memory is the
     * bound), so that the images never pass the shared budget; then hands it to the directory
     * unless a cell waits for it. A session that does not fit even after the least recently used
     * hibernated ones are evicted stays live (DECLINED).
     */
    Outcome hibernate(Session session) {
        Sandbox sandbox = session.startHibernating();
        if (sandbox == null) {
            return Outcome.KEPT;
        }
        long bound = sandboxes.memoryUsage(sandbox) + IMAGE_MARGIN_BYTES;
        if (!makeRoom(session.id(), bound)) {
            LOG.debugf("session %s stays live: its image (up to %d MiB) does not fit the hibernation disk", session.id(),
                    bound >> 20);
            session.hibernationDeclined();
            return Outcome.DECLINED;
        }
        Path dir = store.imageDir(session.id());
        long start = System.nanoTime();
        try {
            Hibernated image = sandboxes.hibernate(sandbox, dir);
            long size = sandboxes.imageBytes(dir);
            if (!disk.settle(session.id(), size)) {
                LOG.warnf("session %s: its image is %d bytes, more than the %d reserved for it", session.id(), size, bound);
            }
            if (!session.hibernatedAs(image)) {
                return Outcome.ENDED; // it ended meanwhile: its end removes what it held
            }
            hibernations.record(Duration.ofNanos(System.nanoTime() - start));
            store.save(session.meta(store.pod(), shape(session, image), fingerprint(image)));
            return session.publish(() -> store.publish(session.id())) ? Outcome.PUBLISHED : Outcome.KEPT;
        } catch (IOException e) {
            LOG.warnf("session %s could not hibernate (%s); it ends", session.id(), e.getMessage());
            return failed(session);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(session);
        }
    }

    private Outcome failed(Session session) {
        session.takeSandbox(); // already killed and released by the failed checkpoint
        disk.release(session.id());
        session.end(EndReason.HIBERNATION_FAILED);
        return Outcome.FAILED;
    }

    /** Reserves room for an image, evicting the least recently used hibernated sessions if that is enough. */
    private boolean makeRoom(String id, long bytes) {
        if (disk.reserve(id, bytes)) {
            return true;
        }
        List<SessionMeta> evictable = store.published().stream()
                .sorted(Comparator.comparing(SessionMeta::lastUsedAt)).toList();
        if (evictable.stream().mapToLong(meta -> disk.of(meta.id())).sum() < disk.shortOf(bytes)) {
            return false;
        }
        for (SessionMeta oldest : evictable) {
            evictor.evict(oldest);
            if (disk.reserve(id, bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Restores a hibernated session for its claimed cell, with its own limits and memory held
     * again. A failure leaves it hibernated, its image kept: the client is told to try again.
     */
    void resume(Session session, long turn) {
        long start = System.nanoTime();
        try {
            session.holding(admission.holdMemory(session.spec().tenant(), session.spec().limits().memoryMb(), false));
        } catch (RuntimeException e) {
            session.resumeFailed(turn); // admission's 429: it stays hibernated
            throw e;
        }
        Hibernated image = session.hibernated();
        try {
            Sandbox restored = sandboxes.resume(image, session.spec().limits());
            disk.release(session.id());
            if (!session.resumedAs(restored, turn)) {
                sandboxes.release(restored);
                throw new SessionNotFoundException(session.id(), session.endReason());
            }
            store.save(session.meta(store.pod(), null, null));
            resumptions.record(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            LOG.warnf("session %s could not be resumed (%s); it stays hibernated", session.id(), e.getMessage());
            session.resumeFailed(turn);
            throw new SandboxUnavailableException("the session's sandbox could not be restored now; it is kept"
                    + " hibernated, with its state: send the cell again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.resumeFailed(turn);
            throw new SandboxUnavailableException("the service is shutting down");
        }
    }

    /** This replica's fingerprint for the image a session's sandbox started from. */
    ImageFingerprint fingerprint(Hibernated image) {
        return sandboxes.fingerprint(image.shape().image());
    }

    /** How a hibernated session's sandbox was started, as the directory records it. */
    private static SessionMeta.Shape shape(Session session, Hibernated image) {
        WarmProfile profile = session.spec().profile();
        return new SessionMeta.Shape(image.shape().image().equals(profile.warmImage()), image.shape().limits());
    }

    /** The image a directory's record names, as this replica would restore it. */
    Hibernated image(SessionMeta meta, LanguageRuntime runtime, WarmProfile profile) {
        return new Hibernated(new Hibernated.Shape(meta.shape().warm() ? profile.warmImage() : runtime.image(),
                meta.shape().limits()), store.imageDir(meta.id()));
    }
}
