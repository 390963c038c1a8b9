package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.Sandboxes;
import dev.codelab.sandbox.sandbox.StartMode;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Duration;

/** Where a run's sandbox comes from: its profile's warm pool, else a restore now, else a cold start. */
@ApplicationScoped
public class SandboxSupply {

    private final WarmPool pool;
    private final Sandboxes sandboxes;
    private final PoolMetrics metrics;

    SandboxSupply(WarmPool pool, Sandboxes sandboxes, PoolMetrics metrics) {
        this.pool = pool;
        this.sandboxes = sandboxes;
        this.metrics = metrics;
    }

    public AcquiredSandbox acquire(String executionId, LanguageRuntime runtime, WarmProfile profile,
                                   SandboxLimits limits) throws IOException {
        long start = System.nanoTime();
        AcquiredSandbox acquired = pool.claim(runtime, profile, limits).orElse(null);
        if (acquired == null) {
            acquired = new AcquiredSandbox(sandboxes.start(executionId, runtime.image(), limits), StartMode.COLD);
        }
        metrics.acquired(acquired.mode(), Duration.ofNanos(System.nanoTime() - start));
        return acquired;
    }

    /** Whether a run with these limits can have a warm (or restored) sandbox of this profile. */
    public boolean offersWarm(LanguageRuntime runtime, WarmProfile profile, SandboxLimits limits) {
        return pool.offers(runtime, profile, limits);
    }

    public void release(AcquiredSandbox acquired) {
        sandboxes.release(acquired.sandbox());
    }
}
