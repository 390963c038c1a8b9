package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A sandbox's cgroup on a cgroup v2 host: one directory in the unified hierarchy. */
final class CgroupV2 implements Cgroup {

    private static final long CPU_PERIOD_US = 100_000;
    private static final int REMOVE_ATTEMPTS = 40;

    private final Path dir;
    private final String specPath;
    /** Null where the kernel keeps memory.peak itself (5.19 and later). */
    private final MemoryPeakSampler sampler;
    private long cpuBaselineUsec;
    private LimitEvidence eventsBaseline = LimitEvidence.NONE;

    CgroupV2(Path dir, String specPath, MemoryPeakSampler sampler) {
        this.dir = dir;
        this.specPath = specPath;
        this.sampler = sampler;
    }

    @Override
    public String specPath() {
        return specPath;
    }

    @Override
    public void create(SandboxLimits limits, long preparingMemoryBytes, int overheadMb, int hostPidsLimit) throws IOException {
        Files.createDirectories(dir);
        write("pids.max", hostPidsLimit);
        if (Files.exists(dir.resolve("memory.swap.max"))) { // absent where swap is not accounted
            write("memory.swap.max", 0);
        }
        if (sampler != null) {
            sampler.watch(dir);
        }
        if (limits == null) {
            write("memory.max", preparingMemoryBytes);
            write("cpu.max", "max " + CPU_PERIOD_US);
        } else {
            apply(limits, overheadMb);
        }
    }

    /**
     * v2 does not refuse a memory.max below what the cgroup holds (as v1 does, EBUSY): it reclaims,
     * then OOM-kills. So a sandbox that holds more than the new limit is refused here first.
     */
    @Override
    public void apply(SandboxLimits limits, int overheadMb) throws IOException {
        long limit = Cgroup.limitBytes(limits, overheadMb);
        if (memoryUsageBytes() > limit) {
            throw new IOException("holds " + memoryUsageBytes() + " bytes, more than the limit " + limit);
        }
        write("memory.max", limit);
        write("cpu.max", Math.max(1000, Math.round(limits.cpus() * CPU_PERIOD_US)) + " " + CPU_PERIOD_US);
        mark();
    }

    /** memory.events only grows: the mark keeps its counts as a baseline. */
    @Override
    public void mark() {
        cpuBaselineUsec = Math.max(0, CgroupFiles.readKey(dir.resolve("cpu.stat"), "usage_usec"));
        eventsBaseline = events();
    }

    /**
     * The memory peak is the sandbox's whole life: memory.peak cannot be reset before kernel 6.12
     * (and then only per open file), so a restored sandbox's peak includes its restore.
     */
    @Override
    public SandboxUsage usage() {
        long cpuUsec = CgroupFiles.readKey(dir.resolve("cpu.stat"), "usage_usec");
        long peak = sampler == null ? CgroupFiles.read(dir.resolve("memory.peak")) : sampler.peak(dir);
        return new SandboxUsage(Math.max(0, cpuUsec - cpuBaselineUsec) / 1000, peak);
    }

    @Override
    public long memoryUsageBytes() {
        return CgroupFiles.read(dir.resolve("memory.current"));
    }

    @Override
    public LimitEvidence limitEvidence() {
        LimitEvidence now = events();
        return new LimitEvidence(now.oomKills() - eventsBaseline.oomKills(),
                now.memoryLimitHits() - eventsBaseline.memoryLimitHits());
    }

    private LimitEvidence events() {
        Path events = dir.resolve("memory.events");
        return new LimitEvidence(Math.max(0, CgroupFiles.readKey(events, "oom_kill")),
                Math.max(0, CgroupFiles.readKey(events, "max")));
    }

    /** cgroup.kill (kernel 5.14 and later) SIGKILLs the sentry, gofer and every stub at once. */
    @Override
    public boolean kill() {
        return kill(dir);
    }

    static boolean kill(Path dir) {
        Path kill = dir.resolve("cgroup.kill");
        if (!Files.exists(kill)) {
            return false;
        }
        try {
            CgroupFiles.write(kill, 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean remove() throws InterruptedException {
        boolean gone = CgroupFiles.removeWithin(REMOVE_ATTEMPTS, () -> CgroupFiles.removeDir(dir));
        if (sampler != null) {
            sampler.forget(dir);
        }
        return gone;
    }

    private void write(String file, Object value) throws IOException {
        CgroupFiles.write(dir.resolve(file), value);
    }
}
