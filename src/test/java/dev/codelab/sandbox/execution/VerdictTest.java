package dev.codelab.sandbox.execution;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The status comes from the service's facts; the program's word can only name why it failed. */
class VerdictTest {

    private static Verdict exited(Integer exitCode, Integer signal, String limit, boolean oom, boolean pressure) {
        return Verdict.of(new Verdict.Facts(RunEnding.EXITED, oom, pressure, new ExitReport(exitCode, signal, limit, null, true)));
    }

    private static Verdict ended(RunEnding ending, boolean oom, ExitReport report) {
        return Verdict.of(new Verdict.Facts(ending, oom, oom, report));
    }

    @Test
    void aCleanExitIsOk() {
        Verdict verdict = exited(0, null, null, false, false);
        assertEquals(ExecutionStatus.OK, verdict.status());
        assertEquals(0, verdict.exitCode());
        assertNull(verdict.signal());
    }

    @Test
    void anotherExitCodeIsAnError() {
        Verdict verdict = exited(3, null, null, false, false);
        assertEquals(ExecutionStatus.ERROR, verdict.status());
        assertEquals(3, verdict.exitCode());
    }

    @Test
    void aDeathBySignalHasNoExitCode() {
        Verdict verdict = exited(null, 11, null, false, false);
        assertEquals(ExecutionStatus.ERROR, verdict.status());
        assertNull(verdict.exitCode());
        assertEquals("SIGSEGV", verdict.signal());
    }

    @Test
    void theServicesOwnEndingsDecideWhateverWasReported() {
        ExitReport clean = new ExitReport(0, null, null, null, true);
        assertEquals(ExecutionStatus.TIMEOUT, ended(RunEnding.TIMED_OUT, true, clean).status());
        assertEquals("SIGKILL", ended(RunEnding.TIMED_OUT, false, clean).signal());
        assertEquals(ExecutionStatus.OUTPUT_LIMIT, ended(RunEnding.OUTPUT_LIMITED, true, clean).status());
        assertEquals(ExecutionStatus.ERROR, ended(RunEnding.PROTOCOL_ERROR, false, clean).status());
        assertEquals(ExecutionStatus.ERROR, ended(RunEnding.CANCELLED, false, null).status());
    }

    @Test
    void aSandboxThatEndsWithoutAReportIsAnErrorOrItsOom() {
        assertEquals(ExecutionStatus.ERROR, ended(RunEnding.SANDBOX_ENDED, false, null).status());
        assertEquals(ExecutionStatus.MEMORY_LIMIT, ended(RunEnding.SANDBOX_ENDED, true, null).status());
    }

    @Test
    void aMemoryClaimCountsOnlyForAFailedRunUnderMemoryPressure() {
        assertEquals(ExecutionStatus.MEMORY_LIMIT, exited(1, null, "memory", false, true).status());
        assertEquals(ExecutionStatus.ERROR, exited(1, null, "memory", false, false).status());
        assertEquals(ExecutionStatus.OK, exited(0, null, "memory", true, true).status());
        assertEquals(ExecutionStatus.MEMORY_LIMIT, exited(null, 9, null, true, true).status());
    }

    @Test
    void aProcessLimitClaimNamesOnlyAFailure() {
        assertEquals(ExecutionStatus.PROCESS_LIMIT, exited(1, null, "pids", false, false).status());
        assertEquals(ExecutionStatus.OK, exited(0, null, "pids", false, false).status());
    }

    @Test
    void aBrokenDisplayChannelIsAnErrorEvenWithExitZero() {
        Verdict verdict = Verdict.of(new Verdict.Facts(RunEnding.EXITED, false, false,
                new ExitReport(0, null, null, "the program sent a figure that is not a PNG", true)));
        assertEquals(ExecutionStatus.ERROR, verdict.status());
    }
}
