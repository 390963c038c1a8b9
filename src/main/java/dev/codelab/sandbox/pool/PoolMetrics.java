package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.sandbox.StartMode;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What the pool reports about itself. Telemetry implements it (Prometheus figures); it is declared
 * here so that pool needs nothing of telemetry.
 */
public interface PoolMetrics {

    /** A run got its sandbox, {@code took} after asking for it. */
    void acquired(StartMode mode, Duration took);

    void restored(Duration took);

    void restoreFailed();

    void checkpointed(Duration took);

    /** The number of waiting sandboxes of this language and profile, read whenever it is asked for. */
    void poolSize(String language, String profile, Supplier<Number> size);
}
