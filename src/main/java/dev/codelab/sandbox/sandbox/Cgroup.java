package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * One sandbox's cgroup (v1), made by the service before runsc starts so that runsc joins it
 * but does not own it: its counters outlive the sandbox and can be read after it exits.
 */
public final class Cgroup {

    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids");
    private static final long CFS_PERIOD_US = 100_000;
    private static final int REMOVE_ATTEMPTS = 40;

    private final Path root;
    private final String relativePath;
    private long cpuBaselineNs;

    Cgroup(Path root, String parent, String name) {
        this.root = root;
        this.relativePath = parent + "/" + name;
    }

    /** The path runsc gets as the spec's cgroupsPath. */
    public String specPath() {
        return "/" + relativePath;
    }

    /** Makes the cgroup; with no limits yet (null) it gets room to prepare in and no CPU quota. */
    void create(SandboxLimits limits, long preparingMemoryBytes, int overheadMb, int hostPidsLimit) throws IOException {
        for (String controller : CONTROLLERS) {
            Files.createDirectories(dir(controller));
        }
        write("pids", "pids.max", hostPidsLimit);
        write("cpu", "cpu.cfs_period_us", CFS_PERIOD_US);
        if (limits == null) {
            write("memory", "memory.limit_in_bytes", preparingMemoryBytes);
            write("cpu", "cpu.cfs_quota_us", -1);
        } else {
            apply(limits, overheadMb);
        }
    }

    /**
     * Puts a run's limits on the cgroup and starts its usage figures from here. Fails (EBUSY) when
     * the sandbox already holds more memory than the new limit allows.
     */
    void apply(SandboxLimits limits, int overheadMb) throws IOException {
        write("memory", "memory.limit_in_bytes", limits.memoryBytes() + overheadMb * 1024L * 1024L);
        write("cpu", "cpu.cfs_quota_us", Math.max(1000, Math.round(limits.cpus() * CFS_PERIOD_US)));
        write("memory", "memory.max_usage_in_bytes", 0);
        cpuBaselineNs = read("cpuacct", "cpuacct.usage");
    }

    /** CPU time since the limits were applied, and the memory peak since then. */
    public SandboxUsage usage() {
        return new SandboxUsage((read("cpuacct", "cpuacct.usage") - cpuBaselineNs) / 1_000_000,
                read("memory", "memory.max_usage_in_bytes"));
    }

    long memoryUsageBytes() {
        return read("memory", "memory.usage_in_bytes");
    }

    /**
     * True when the kernel's OOM killer acted in this cgroup. Kernels before 4.13 have no oom_kill
     * count; there, hitting the limit at all (failcnt) is the best sign there is.
     */
    public boolean oomKilled() {
        try {
            for (String line : Files.readAllLines(dir("memory").resolve("memory.oom_control"))) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring(9).trim()) > 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return read("memory", "memory.failcnt") > 0;
    }

    /**
     * Removes the cgroup from every hierarchy (runsc adds its own controllers beside ours). Its
     * processes may still be exiting, so it retries for a while; what stays is swept at next start.
     * True once it is gone, which proves that none of its processes is left.
     */
    boolean remove() throws InterruptedException {
        for (int attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
            if (removeEverywhere(root, relativePath)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** True when no hierarchy holds the cgroup any more. */
    static boolean removeEverywhere(Path root, String relativePath) {
        boolean gone = true;
        try (Stream<Path> hierarchies = Files.list(root)) {
            for (Path hierarchy : hierarchies.toList()) {
                Path dir = hierarchy.resolve(relativePath);
                if (Files.isDirectory(dir) && !dir.toFile().delete()) {
                    gone = false;
                }
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
        Files.writeString(dir(controller).resolve(file), Long.toString(value));
    }

    private long read(String controller, String file) {
        try {
            return Long.parseLong(Files.readString(dir(controller).resolve(file)).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
