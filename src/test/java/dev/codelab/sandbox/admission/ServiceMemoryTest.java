package dev.codelab.sandbox.admission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The service's own memory limit, read from a fake /proc/self/cgroup and cgroup tree. */
class ServiceMemoryTest {

    static final long GIB = 1024L * 1024 * 1024;
    static final long HOST = 24 * GIB;

    @TempDir
    Path dir;

    private ServiceMemory read(String procCgroup) throws IOException {
        Path proc = dir.resolve("proc-self-cgroup");
        Files.writeString(proc, procCgroup);
        return ServiceMemory.read(proc, dir.resolve("cgroup"), HOST);
    }

    private void assertRead(long bytes, String source, String procCgroup) throws IOException {
        ServiceMemory memory = read(procCgroup);
        assertEquals(bytes, memory.bytes());
        assertEquals(source, memory.source());
    }

    private void limit(String file, String value) throws IOException {
        Path path = dir.resolve("cgroup").resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, value + "\n");
    }

    @Test
    void v1TakesTheMemoryControllersOwnCgroup() throws IOException {
        limit("memory/kubepods/pod1/memory.limit_in_bytes", Long.toString(4 * GIB));
        limit("cpu/kubepods/pod1/cpu.cfs_quota_us", "-1");
        assertRead(4 * GIB, "cgroup v1 memory.limit_in_bytes of /kubepods/pod1",
                "5:cpu,cpuacct:/kubepods/pod1\n4:memory:/kubepods/pod1\n0::/\n");
    }

    @Test
    void v1UnlimitedIsTheHost() throws IOException {
        limit("memory/session/memory.limit_in_bytes", "9223372036854771712");
        limit("memory/memory.limit_in_bytes", "9223372036854771712");
        assertRead(HOST, "the host (no cgroup memory limit)", "4:memory:/session\n");
    }

    @Test
    void anAncestorsLowerLimitCounts() throws IOException {
        limit("memory.max", "max");
        limit("pod/memory.max", Long.toString(3 * GIB));
        limit("pod/service/memory.max", "max");
        assertRead(3 * GIB, "cgroup v2 memory.max of /pod", "0::/pod/service\n");
    }

    @Test
    void aContainerThatSeesTheHostsPathsCountsItsMountsRoot() throws IOException {
        // Docker on cgroup v1 without a cgroup namespace: /proc says /docker/<id>, the mount is the container's.
        limit("memory/memory.limit_in_bytes", Long.toString(2 * GIB));
        assertRead(2 * GIB, "cgroup v1 memory.limit_in_bytes of /", "4:memory:/docker/0123abcd\n");
    }

    @Test
    void v2WithoutALimitOrWithALimitAboveTheHostIsTheHost() throws IOException {
        limit("service/memory.max", "max");
        assertEquals(HOST, read("0::/service\n").bytes());
        limit("service/memory.max", Long.toString(64 * GIB));
        assertEquals(HOST, read("0::/service\n").bytes());
    }

    @Test
    void noReadableCgroupIsTheHost() {
        ServiceMemory memory = ServiceMemory.read(dir.resolve("missing"), dir, HOST);
        assertEquals(HOST, memory.bytes());
    }
}
