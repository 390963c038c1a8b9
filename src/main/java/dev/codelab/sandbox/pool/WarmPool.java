package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Cgroup;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.Sandboxes;
import dev.codelab.sandbox.sandbox.StartMode;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Restored sandboxes waiting for requests, one {@link RuntimePool} per language and warm profile
 * (each its own checkpoint image), refilled by a background thread within one memory budget. Every
 * sandbox is used once; none is ever handed to a second run.
 */
@ApplicationScoped
public class WarmPool {

    private static final Logger LOG = Logger.getLogger(WarmPool.class);

    private final PoolConfig config;
    private final Sandboxes sandboxes;
    private final PoolMetrics metrics;
    private SandboxLimits shape; // set by prepare(), before running is
    private final Map<String, RuntimePool> pools = new LinkedHashMap<>();
    private final Object refill = new Object();
    private volatile boolean running;
    private Thread filler;

    WarmPool(PoolConfig config, Sandboxes sandboxes, PoolMetrics metrics, RuntimeCatalog catalog) {
        this.config = config;
        this.sandboxes = sandboxes;
        this.metrics = metrics;
        for (LanguageRuntime runtime : catalog.all()) {
            for (WarmProfile profile : runtime.profiles()) {
                // Under the images directory, which the start-up sweep and the shutdown empty whole.
                RuntimePool pool = new RuntimePool(key(runtime.language(), profile.name()), profile,
                        sandboxes.imagesDir().resolve(runtime.language()).resolve(profile.name()),
                        config.size(profile.name()));
                pools.put(pool.name(), pool);
                metrics.poolSize(runtime.language(), profile.name(), pool::size);
            }
        }
    }

    /**
     * Makes each profile's checkpoint image and starts refilling. Blocks; the start-up probe waits
     * for it. Restored sandboxes keep their image's {@code shape} (tmpfs sizes): only runs of its
     * diskMb can have one.
     */
    public synchronized void prepare(SandboxLimits shape) {
        if (!config.enabled() || running) {
            return;
        }
        this.shape = shape;
        pools.values().forEach(this::checkpoint);
        running = true;
        filler = new Thread(this::fill, "warm-pool-filler");
        filler.setDaemon(true);
        filler.start();
    }

    /**
     * A sandbox for a run with these limits: a waiting one, else one restored now. Empty when
     * checkpoints are off or broken, or the limits need a sandbox shaped otherwise (diskMb) or
     * smaller than this profile's sandboxes are.
     */
    Optional<AcquiredSandbox> claim(LanguageRuntime runtime, WarmProfile profile, SandboxLimits limits) {
        RuntimePool pool = pools.get(key(runtime.language(), profile.name()));
        if (!claimable(pool, limits)) {
            return Optional.empty();
        }
        long limitBytes = Cgroup.limitBytes(limits, sandboxes.sentryOverheadMb());
        for (Sandbox waiting = pool.take(limitBytes); waiting != null; waiting = pool.take(limitBytes)) {
            wakeFiller();
            if (waiting.isAlive() && waiting.applyLimits(limits, sandboxes.sentryOverheadMb())) {
                return Optional.of(new AcquiredSandbox(waiting, StartMode.WARM));
            }
            sandboxes.release(waiting);
        }
        Sandbox restored = restore(pool);
        if (restored != null) {
            pool.measured(sandboxes.memoryUsage(restored));
        }
        if (restored != null && restored.applyLimits(limits, sandboxes.sentryOverheadMb())) {
            return Optional.of(new AcquiredSandbox(restored, StartMode.RESTORED));
        }
        if (restored != null) {
            sandboxes.release(restored);
        }
        return Optional.empty();
    }

    /**
     * Whether this profile's sandboxes, as last measured, fit under the memory limit of a run with
     * these limits. A restored sandbox already holds its preloaded stack: a smaller limit cannot be
     * put on it, so such a run takes a smaller profile (or starts cold) instead of wasting one.
     */
    public boolean fits(LanguageRuntime runtime, WarmProfile profile, SandboxLimits limits) {
        RuntimePool pool = pools.get(key(runtime.language(), profile.name()));
        return pool == null || fits(pool, limits);
    }

    /** The least memoryMb a run of this profile may ask for, by what its sandboxes held when last measured. */
    public long leastMemoryMb(LanguageRuntime runtime, WarmProfile profile) {
        RuntimePool pool = pools.get(key(runtime.language(), profile.name()));
        long mib = 1024L * 1024L;
        return pool == null ? 1 : Math.max(1, (pool.typicalMemory() + mib - 1) / mib - sandboxes.sentryOverheadMb());
    }

    /** Whether a run with these limits can have a sandbox of this profile restored (now, or waiting). */
    public boolean offers(LanguageRuntime runtime, WarmProfile profile, SandboxLimits limits) {
        return claimable(pools.get(key(runtime.language(), profile.name())), limits);
    }

    private boolean claimable(RuntimePool pool, SandboxLimits limits) {
        return running && pool != null && pool.imageReady() && limits.diskMb() == shape.diskMb() && fits(pool, limits);
    }

    private boolean fits(RuntimePool pool, SandboxLimits limits) {
        return pool.typicalMemory() <= Cgroup.limitBytes(limits, sandboxes.sentryOverheadMb());
    }

    /** For GET /v1/runtimes: how sandboxes of this language and profile start. */
    public String startMode(String language, String profile) {
        RuntimePool pool = pools.get(key(language, profile));
        if (!config.enabled()) {
            return "cold (checkpoint/restore is turned off)";
        }
        if (pool == null || !pool.imageReady()) {
            return "cold (" + (pool == null || pool.problem() == null ? "no checkpoint image yet" : pool.problem()) + ")";
        }
        return "restored from a checkpoint image; " + pool.size() + " waiting"
                + (pool.targetSize() == 0 ? " (its pool is empty by configuration: each is restored on demand)" : "");
    }

    /** For GET /v1/runtimes: the mean host memory of this profile's waiting sandboxes; null when none waits. */
    public Long pooledSandboxBytes(String language, String profile) {
        RuntimePool pool = pools.get(key(language, profile));
        return pool == null ? null : pool.meanMemory();
    }

    private void checkpoint(RuntimePool pool) {
        long start = System.nanoTime();
        try {
            sandboxes.checkpoint(pool.profile().warmImage(), shape, pool.imageDir(), config.checkpointTimeoutMs());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.checkpointed(took);
            pool.imageMade();
            LOG.infof("%s checkpoint image made in %d ms", pool.name(), took.toMillis());
        } catch (IOException e) {
            pool.imageFailed(e.getMessage());
            LOG.warnf("%s: no checkpoint image (%s); its runs start cold", pool.name(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Sandbox restore(RuntimePool pool) {
        long start = System.nanoTime();
        try {
            Sandbox sandbox = sandboxes.restore(pool.profile().warmImage(), shape, pool.imageDir());
            metrics.restored(Duration.ofNanos(System.nanoTime() - start));
            pool.restoreSucceeded();
            return sandbox;
        } catch (IOException e) {
            metrics.restoreFailed();
            LOG.warnf("%s restore failed: %s", pool.name(), e.getMessage());
            if (pool.restoreFailed() == config.restoreFailuresBeforeRebuild()) {
                LOG.warnf("%s: %d restores failed in a row; the checkpoint image will be made again",
                        pool.name(), config.restoreFailuresBeforeRebuild());
                pool.restoresFailing();
                wakeFiller();
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Keeps each pool at its size within the memory budget, in the catalog's order (base first); never under a CPU quota. */
    private void fill() {
        long budget = config.memoryBudgetMb() * 1024L * 1024L;
        while (running) {
            boolean restoredOne = false;
            for (RuntimePool pool : pools.values()) {
                if (pool.dueForNewImage()) {
                    checkpoint(pool); // only this thread remakes images, so never two at once
                }
                if (pool.imageReady() && pool.size() < pool.targetSize() && heldMemory() + pool.typicalMemory() <= budget) {
                    Sandbox sandbox = restore(pool);
                    if (sandbox != null) {
                        pool.offer(sandbox, sandboxes.memoryUsage(sandbox));
                        restoredOne = true;
                    }
                }
            }
            if (!restoredOne) {
                synchronized (refill) {
                    try {
                        refill.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** "python/ml": a pool's key, and its name in the log. */
    private static String key(String language, String profile) {
        return language + "/" + profile;
    }

    private long heldMemory() {
        return pools.values().stream().mapToLong(RuntimePool::heldMemory).sum();
    }

    private void wakeFiller() {
        synchronized (refill) {
            refill.notifyAll();
        }
    }

    void onShutdown(@Observes @Priority(10) ShutdownEvent event) throws InterruptedException {
        running = false;
        if (filler != null) {
            filler.interrupt();
            filler.join(15_000); // a restore under way finishes, and its sandbox is handed back below
        }
        for (RuntimePool pool : pools.values()) {
            for (Sandbox waiting = pool.take(Long.MAX_VALUE); waiting != null; waiting = pool.take(Long.MAX_VALUE)) {
                sandboxes.release(waiting);
            }
        }
    }
}
