package dev.codelab.sandbox.sandbox;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the v2 cgroup writes and how it reads the kernel's counters, on a directory shaped like a
 * cgroup. The kernel's side (limits enforced, OOM, throttling) is the cgroup v2 suite's
 * (make test-cgroup2).
 */
class CgroupV2Test {

    private static final long MiB = 1024 * 1024;

    @TempDir
    Path parent;
    Path dir;

    @BeforeEach
    void kernelFiles() throws IOException {
        dir = parent.resolve("sandbox");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("memory.swap.max"), "max");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 5000\nuser_usec 3000\nnr_throttled 0\n");
        Files.writeString(dir.resolve("memory.current"), Long.toString(80 * MiB));
    }

    @Test
    void aPreparedSandboxHasRoomAndNoQuotaAndNoSwap() throws IOException {
        new CgroupV2(dir, "/codelab/sandbox", null).create(null, 2048 * MiB, 96, 4096);

        assertEquals("2147483648", read("memory.max"));
        assertEquals("max 100000", read("cpu.max"));
        assertEquals("4096", read("pids.max"));
        assertEquals("0", read("memory.swap.max"));
    }

    @Test
    void aRunsLimitsGoOnAndUsageCountsFromThere() throws IOException {
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", null);
        cgroup.create(null, 2048 * MiB, 96, 4096);
        cgroup.apply(limits(128, 0.5), 96);
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 25000\nuser_usec 9000\n");
        Files.writeString(dir.resolve("memory.peak"), "123456789\n");

        assertEquals(Long.toString(224 * MiB), read("memory.max"));
        assertEquals("50000 100000", read("cpu.max"));
        assertEquals(new SandboxUsage(20, 123_456_789), cgroup.usage());
    }

    @Test
    void aSandboxHoldingMoreThanTheNewLimitIsRefusedBeforeTheKernelWouldOomKillIt() throws IOException {
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", null);
        cgroup.create(null, 2048 * MiB, 96, 4096);
        Files.writeString(dir.resolve("memory.current"), Long.toString(300 * MiB));

        assertThrows(IOException.class, () -> cgroup.apply(limits(128, 1), 96));
        assertEquals("2147483648", read("memory.max"), "the limit stays as it was");
    }

    @Test
    void oomKillsAndLimitHitsAreReadFromMemoryEventsSinceTheMark() throws IOException {
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", null);
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 63\noom 2\noom_kill 1\n");
        cgroup.mark(); // what happened before (a restore, an earlier cell) is not this cell's
        assertEquals(LimitEvidence.NONE, cgroup.limitEvidence());
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 70\noom 2\noom_kill 1\n");
        assertFalse(cgroup.limitEvidence().oomKilled(), "hitting the limit alone is not an OOM kill");
        assertTrue(cgroup.limitEvidence().memoryLimitHit());
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 70\noom 3\noom_kill 2\n");
        assertEquals(new LimitEvidence(1, 7), cgroup.limitEvidence());
    }

    @Test
    void killWritesCgroupKillWhereTheKernelHasIt() throws IOException {
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", null);
        assertFalse(cgroup.kill(), "no cgroup.kill before kernel 5.14: runsc must kill");
        Files.writeString(dir.resolve("cgroup.kill"), "");
        assertTrue(cgroup.kill());
        assertEquals("1", read("cgroup.kill"));
    }

    @Test
    void withoutMemoryPeakTheHighestSampledCurrentIsThePeak() throws IOException {
        MemoryPeakSampler sampler = new MemoryPeakSampler();
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", sampler);
        cgroup.create(limits(256, 1), 0, 96, 4096);
        Files.writeString(dir.resolve("memory.current"), Long.toString(200 * MiB));
        sampler.sample();
        Files.writeString(dir.resolve("memory.current"), Long.toString(90 * MiB));

        assertEquals(200 * MiB, cgroup.usage().memoryPeakBytes());
    }

    @Test
    void removeTakesTheDirectoryAway() throws Exception {
        Cgroup cgroup = new CgroupV2(dir, "/codelab/sandbox", null);
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file); // a real cgroup directory has no removable files
            }
        }
        cgroup.remove();
        assertFalse(Files.exists(dir));
    }

    private static SandboxLimits limits(int memoryMb, double cpus) {
        return new SandboxLimits(30_000, cpus, memoryMb, 64, 1 << 20, 64);
    }

    private String read(String file) throws IOException {
        return Files.readString(dir.resolve(file)).strip();
    }
}
