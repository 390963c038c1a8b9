package dev.codelab.sandbox.execution;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class VerdictTest {

    private static Verdict of(boolean timedOut, boolean outputLimited, boolean oom, String limit, Integer runnerExit,
                              int processExit, boolean protocolError) {
        return Verdict.of(new Verdict.Observed(timedOut, outputLimited, oom, limit, runnerExit, processExit, protocolError));
    }

    @Test
    void aCleanExitIsOk() {
        Verdict verdict = of(false, false, false, null, 0, 0, false);
        assertEquals(ExecutionStatus.OK, verdict.status());
        assertEquals(0, verdict.exitCode());
        assertNull(verdict.signal());
    }

    @Test
    void theRunnersExitCodeWins() {
        Verdict verdict = of(false, false, false, null, 3, 3, false);
        assertEquals(ExecutionStatus.ERROR, verdict.status());
        assertEquals(3, verdict.exitCode());
    }

    @Test
    void aDeathBySignalHasNoExitCode() {
        Verdict verdict = of(false, false, false, null, null, 128 + 11, false);
        assertEquals(ExecutionStatus.ERROR, verdict.status());
        assertNull(verdict.exitCode());
        assertEquals("SIGSEGV", verdict.signal());
    }

    @Test
    void theServicesOwnKillsComeFirst() {
        assertEquals(ExecutionStatus.TIMEOUT, of(true, true, true, "pids", null, 137, false).status());
        assertEquals(ExecutionStatus.OUTPUT_LIMIT, of(false, true, true, null, null, 137, false).status());
    }

    @Test
    void aRunThatReportedItsExitIsNotTurnedIntoAKillAfterwards() {
        assertEquals(ExecutionStatus.OK, of(true, false, true, null, 0, 0, false).status());
        assertEquals(ExecutionStatus.ERROR, of(true, false, true, null, 2, 2, false).status());
    }

    @Test
    void oomOrAMemoryErrorIsAMemoryLimit() {
        assertEquals(ExecutionStatus.MEMORY_LIMIT, of(false, false, true, null, null, 137, false).status());
        assertEquals(ExecutionStatus.MEMORY_LIMIT, of(false, false, false, "memory", 1, 1, false).status());
    }

    @Test
    void pidsExhaustionIsAProcessLimit() {
        assertEquals(ExecutionStatus.PROCESS_LIMIT, of(false, false, false, "pids", 1, 1, false).status());
    }

    @Test
    void aBrokenProtocolIsAnErrorEvenWithExitZero() {
        assertEquals(ExecutionStatus.ERROR, of(false, false, false, null, 0, 0, true).status());
    }
}
