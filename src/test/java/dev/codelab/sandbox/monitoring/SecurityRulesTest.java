package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.sandbox.SecurityEvents;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SecurityRulesTest {

    private static final SecurityRules RULES = new SecurityRules(List.of("/usr/bin/python3*"),
            List.of("/proc/*/environ", "/etc/shadow"), List.of("/opt/codelab/**"));

    private static SecurityEvents apply(byte[]... messages) throws Exception {
        SecurityTally tally = new SecurityTally(1000);
        for (byte[] message : messages) {
            TraceEvent event = TraceDecoder.decode(message, message.length, false);
            if (event != null) {
                RULES.apply(event, tally);
            }
        }
        return tally.snapshot();
    }

    @Test
    void sensitivePathsCountHoweverTheyAreSpelled() throws Exception {
        long atCwd = TraceMessages.AT_FDCWD;
        SecurityEvents seen = apply(
                TraceMessages.open(1000, "/workspace", atCwd, null, "/proc/1/environ"),
                TraceMessages.open(1000, "/proc/1", atCwd, null, "environ"),
                TraceMessages.open(1000, "/workspace", atCwd, null, "../etc/./shadow"),
                TraceMessages.open(1000, "/", 3, "/etc", "shadow"),
                TraceMessages.open(1000, "/workspace", atCwd, null, "data.csv"),
                TraceMessages.open(1000, "/workspace", atCwd, null, "/proc/self/status"));
        assertEquals(4, seen.sensitivePaths());
    }

    @Test
    void protectedPathsCountWhenOpenedForWriting() throws Exception {
        long atCwd = TraceMessages.AT_FDCWD;
        SecurityEvents seen = apply(
                TraceMessages.open(1000, "/workspace", atCwd, null, "/opt/codelab/codelab_backend.py"),
                TraceMessages.open(1000, "/opt", atCwd, null, "codelab/codelab_supervisor.py",
                        TraceMessages.O_WRONLY_CREAT));
        assertEquals(1, seen.sensitivePaths());
    }

    @Test
    void onlyNetworkFamiliesCount() throws Exception {
        SecurityEvents seen = apply(TraceMessages.socket(1000, 2), TraceMessages.connect(1000, 2),
                TraceMessages.socket(1000, 10), TraceMessages.socket(1000, Syscalls.AF_UNIX),
                TraceMessages.connect(1000, Syscalls.AF_UNIX));
        assertEquals(3, seen.network());
    }

    @Test
    void theRuntimeMayRunButNothingElse() throws Exception {
        SecurityEvents seen = apply(TraceMessages.exec(1000, "/usr/bin/python3.11"),
                TraceMessages.exec(1000, "/usr/bin/dash"), TraceMessages.exec(1000, "/tmp/a.out"));
        assertEquals(2, seen.exec());
    }

    @Test
    void privilegeIsAskedOnEntryAndRefusalsAreCountedOnExit() throws Exception {
        SecurityEvents seen = apply(TraceMessages.setuid(1000, null), TraceMessages.setuid(1000, 1),
                TraceMessages.raw(1000, 62, null, 0), TraceMessages.raw(1000, 62, 1, 0),
                TraceMessages.raw(1000, 62, 3, 0), TraceMessages.raw(1000, 302, 13, 0),
                TraceMessages.raw(1000, 999, 1, 0));
        assertEquals(1, seen.privilege());
        assertEquals(Map.of("setuid:EPERM", 1, "kill:EPERM", 1, "prlimit64:EACCES", 1), seen.refusedSyscalls());
    }

    @Test
    void theSupervisorNeverCounts() throws Exception {
        SecurityEvents seen = apply(TraceMessages.open(0, "/", TraceMessages.AT_FDCWD, null, "/proc/1/environ"),
                TraceMessages.socket(0, 2), TraceMessages.exec(0, "/bin/sh"), TraceMessages.setuid(0, null),
                TraceMessages.raw(0, 62, 1, 0));
        assertEquals(0, seen.total());
    }
}
