package dev.codelab.sandbox.admission;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory this service may use, and where that figure comes from: the lowest memory limit of
 * its own cgroup and of every cgroup above it that is visible (v1 memory.limit_in_bytes of the
 * memory hierarchy, v2 memory.max), else the host's memory. In a container that cgroup is the
 * container's, which holds the sandboxes too. "max", or a limit above the host's memory, is none.
 */
record ServiceMemory(long bytes, String source) {

    static ServiceMemory measure() {
        long host = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return read(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"), host);
    }

    /** From a /proc/PID/cgroup file and the cgroup mount it refers to. */
    static ServiceMemory read(Path procCgroup, Path cgroupRoot, long hostBytes) {
        List<String> lines;
        try {
            lines = Files.readAllLines(procCgroup);
        } catch (IOException e) {
            return new ServiceMemory(hostBytes, "the host (" + procCgroup + " unreadable)");
        }
        ServiceMemory lowest = new ServiceMemory(hostBytes, "the host (no cgroup memory limit)");
        for (String line : lines) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && List.of(fields[1].split(",")).contains("memory")) {
                return lowest.lowerOf(cgroupRoot.resolve(fields[1]), fields[2], "cgroup v1", "memory.limit_in_bytes");
            }
        }
        for (String line : lines) {
            if (line.startsWith("0::")) {
                return lowest.lowerOf(cgroupRoot, line.substring(3), "cgroup v2", "memory.max");
            }
        }
        return lowest;
    }

    /**
     * The lowest limit of the cgroup at this path and its ancestors. Where the path is not under
     * the mount (a container that sees the host's cgroup paths), the mount's root is the
     * container's own cgroup and still counts.
     */
    private ServiceMemory lowerOf(Path hierarchy, String cgroupPath, String version, String file) {
        ServiceMemory lowest = this;
        String relative = cgroupPath.replaceFirst("^/+", "");
        Path at = relative.isEmpty() ? null : Path.of(relative);
        while (true) {
            Path dir = at == null ? hierarchy : hierarchy.resolve(at);
            OptionalLong limit = limit(dir.resolve(file));
            if (limit.isPresent() && limit.getAsLong() < lowest.bytes) {
                lowest = new ServiceMemory(limit.getAsLong(), version + " " + file + " of /" + (at == null ? "" : at));
            }
            if (at == null) {
                return lowest;
            }
            at = at.getParent();
        }
    }

    private static OptionalLong limit(Path file) {
        try {
            String value = Files.readString(file).strip();
            return value.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
