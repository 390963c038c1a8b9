package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.DaemonThreads;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The memory peak where the kernel keeps none (cgroup v2 before 5.19 has no memory.peak): the
 * highest memory.current seen, sampled while each sandbox's cgroup lives. It can miss a short spike.
 */
final class MemoryPeakSampler {

    static final long INTERVAL_MS = 50;

    private final Map<Path, Long> peaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService schedule =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("memory-peak-sampler"));

    MemoryPeakSampler() {
        schedule.scheduleWithFixedDelay(this::sample, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    void watch(Path cgroup) {
        peaks.put(cgroup, 0L);
    }

    /** The highest memory.current seen so far, the present one included. */
    long peak(Path cgroup) {
        sample(cgroup);
        return peaks.getOrDefault(cgroup, 0L);
    }

    void forget(Path cgroup) {
        peaks.remove(cgroup);
    }

    void sample() {
        peaks.keySet().forEach(this::sample);
    }

    private void sample(Path cgroup) {
        long now = CgroupFiles.read(cgroup.resolve("memory.current"));
        peaks.computeIfPresent(cgroup, (dir, peak) -> Math.max(peak, now));
    }
}
