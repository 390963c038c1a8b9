package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A sandbox's cgroup on a cgroup v1 host: one directory per controller. */
final class CgroupV1 implements Cgroup {

    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids");
    private static final long CFS_PERIOD_US = 100_000;
    private static final int REMOVE_ATTEMPTS = 40;

    private final Path root;
    private final String relativePath;
    private long cpuBaselineNs;
    private long oomKillsBaseline;

    CgroupV1(Path root, String parent, String name) {
        this.root = root;
        this.relativePath = parent + "/" + name;
    }

    @Override
    public String specPath() {
        return "/" + relativePath;
    }

    @Override
    public void create(SandboxLimits limits, long preparingMemoryBytes, int overheadMb, int hostPidsLimit) throws IOException {
        for (String controller : CONTROLLERS) {
            Files.createDirectories(dir(controller));
        }
        write("pids", "pids.max", hostPidsLimit);
        write("cpu", "cpu.cfs_period_us", CFS_PERIOD_US);
        if (limits == null) {
            limitMemory(preparingMemoryBytes);
            write("cpu", "cpu.cfs_quota_us", -1);
        } else {
            apply(limits, overheadMb);
        }
    }

    /** Fails (EBUSY) when the sandbox already holds more memory than the new limit allows. */
    @Override
    public void apply(SandboxLimits limits, int overheadMb) throws IOException {
        limitMemory(Cgroup.limitBytes(limits, overheadMb));
        write("cpu", "cpu.cfs_quota_us", Math.max(1000, Math.round(limits.cpus() * CFS_PERIOD_US)));
        mark();
    }

    @Override
    public void mark() {
        try {
            write("memory", "memory.max_usage_in_bytes", 0);
            write("memory", "memory.failcnt", 0);
        } catch (IOException e) {
            // the sandbox is gone: its figures no longer matter
        }
        cpuBaselineNs = read("cpuacct", "cpuacct.usage");
        oomKillsBaseline = Math.max(0, oomKills());
    }

    /**
     * Memory, and memory plus swap to the same value where swap is accounted, so that no swap is
     * used. The kernel keeps memory at or below memory+swap: the order of the writes follows.
     */
    private void limitMemory(long bytes) throws IOException {
        Path swap = dir("memory").resolve("memory.memsw.limit_in_bytes");
        boolean swapAccounted = Files.exists(swap);
        boolean raising = bytes > read("memory", "memory.limit_in_bytes");
        if (swapAccounted && raising) {
            CgroupFiles.write(swap, bytes);
        }
        write("memory", "memory.limit_in_bytes", bytes);
        if (swapAccounted && !raising) {
            CgroupFiles.write(swap, bytes);
        }
    }

    /** CPU time since the mark, and the memory peak since then. */
    @Override
    public SandboxUsage usage() {
        return new SandboxUsage((read("cpuacct", "cpuacct.usage") - cpuBaselineNs) / 1_000_000,
                read("memory", "memory.max_usage_in_bytes"));
    }

    @Override
    public long memoryUsageBytes() {
        return read("memory", "memory.usage_in_bytes");
    }

    /**
     * failcnt counts the charges that hit the limit (reset at the mark). Kernels before 4.13 have no
     * oom_kill count; there, an ended sandbox that hit the limit is the best sign there is.
     */
    @Override
    public LimitEvidence limitEvidence() {
        long kills = oomKills();
        long hits = read("memory", "memory.failcnt");
        return new LimitEvidence(kills >= 0 ? Math.max(0, kills - oomKillsBaseline) : hits, hits);
    }

    private long oomKills() {
        return CgroupFiles.readKey(dir("memory").resolve("memory.oom_control"), "oom_kill");
    }

    /** cgroup v1 has no cgroup.kill. */
    @Override
    public boolean kill() {
        return false;
    }

    /** Removes the cgroup from every hierarchy (runsc adds its own controllers beside ours). */
    @Override
    public boolean remove() throws InterruptedException {
        return CgroupFiles.removeWithin(REMOVE_ATTEMPTS, () -> removeEverywhere(root, relativePath));
    }

    /** True when no hierarchy holds the cgroup any more. */
    static boolean removeEverywhere(Path root, String relativePath) {
        boolean gone = true;
        try (Stream<Path> hierarchies = Files.list(root)) {
            for (Path hierarchy : hierarchies.toList()) {
                gone &= CgroupFiles.removeDir(hierarchy.resolve(relativePath));
            }
        } catch (IOException e) {
            return false;
        }
        return gone;
    }

    private Path dir(String controller) {
        return root.resolve(controller).resolve(relativePath);
    }

    private void write(String controller, String file, long value) throws IOException {
        CgroupFiles.write(dir(controller).resolve(file), value);
    }

    private long read(String controller, String file) {
        return CgroupFiles.read(dir(controller).resolve(file));
    }
}
