package dev.codelab.sandbox.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;

import java.time.Duration;

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

    /** Disk for hibernated sessions' images; past it the oldest is evicted (and that session ends). */
    @WithDefault("8192")
    @Min(1)
    long hibernationDiskMb();

    /** Open sessions (active or hibernated) one API key may hold. */
    @WithDefault("4")
    @Min(1)
    int maxPerKey();

    /** Open sessions of the whole service. */
    @WithDefault("32")
    @Min(1)
    int maxOpen();
}
