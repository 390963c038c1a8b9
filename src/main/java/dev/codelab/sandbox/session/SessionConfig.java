package dev.codelab.sandbox.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How long sessions live, when they hibernate, and how many a key may hold. */
@ConfigMapping(prefix = "codelab.session")
public interface SessionConfig {

    /** Idle time after which a session ends, unless it asks for another (idleTimeoutMs). */
    @WithDefault("10m")
    Duration idleTimeout();

    /** The longest idleTimeoutMs a session may ask for. */
    @WithDefault("1h")
    Duration maxIdleTimeout();

    /** A session ends this long after it was created, however busy. */
    @WithDefault("8h")
    Duration maxLifetime();

    /** Idle time after which a session is checkpointed to disk and its sandbox released. */
    @WithDefault("60s")
    Duration hibernateAfter();

    /** How often sessions are looked over for expiry and hibernation. */
    @WithDefault("5s")
    Duration tendEvery();

    /** Checkpoint idle sessions to disk at all. */
    @WithDefault("true")
    boolean hibernate();

    /** Disk for hibernated sessions' images, across every replica sharing the directory; past it the oldest is evicted. */
    @WithDefault("8192")
    @Min(1)
    long hibernationDiskMb();

    /** Open sessions (live on any replica or hibernated) one API key may hold. */
    @WithDefault("4")
    @Min(1)
    int maxPerKey();

    /** Live sessions this replica may hold. */
    @WithDefault("32")
    @Min(1)
    int maxOpen();

    /**
     * The sessions directory: hibernated sessions' images and every session's record, where any
     * replica that mounts it can take a session over. Unset: sessions/ under the state dir (one machine).
     */
    Optional<Path> sharedDir();

    /** This replica's name in the sessions directory. Unset: the host name (in k8s, the pod's). */
    Optional<String> pod();

    /** At shutdown, after running cells finish: how long live sessions have to be saved to disk. */
    @WithDefault("60s")
    Duration drainTimeout();

    /** A replica whose heartbeat is older than this is lost: its sessions are taken over or ended. */
    @WithDefault("30s")
    Duration podLostAfter();
}
