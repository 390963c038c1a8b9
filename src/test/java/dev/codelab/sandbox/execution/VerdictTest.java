package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.sandbox.LimitEvidence;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The status comes from the service's facts; the program's word can only name why it failed, and
 * only with the host's evidence (row 11 of issue 18: a raised MemoryError or BlockingIOError is no
 * limit by itself).
 */
class VerdictTest {

    private static final LimitEvidence NONE = LimitEvidence.NONE;
    private static final LimitEvidence LIMIT_HIT = new LimitEvidence(0, 3);
    private static final LimitEvidence OOM_KILL = new LimitEvidence(1, 3);

    private static Verdict exited(Integer exitCode, Integer signal, String limit, LimitEvidence memory, boolean forkRefused) {
        return Verdict.of(new Verdict.Facts(RunEnding.EXITED, memory, forkRefused,
                new ExitReport(exitCode, signal, limit, null, true)));
    }

    private static Verdict exited(Integer exitCode, Integer signal, String limit, boolean oom, boolean limitHit) {
        return exited(exitCode, signal, limit, oom ? OOM_KILL : limitHit ? LIMIT_HIT : NONE, false);
    }

    private static Verdict ended(RunEnding ending, boolean oom, ExitReport report) {
        return Verdict.of(new Verdict.Facts(ending, oom ? OOM_KILL : NONE, false, report));
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
    void aMemoryClaimCountsOnlyForAFailedRunWhoseCgroupHitTheLimit() {
        assertEquals(ExecutionStatus.MEMORY_LIMIT, exited(1, null, "memory", false, true).status());
        assertEquals(ExecutionStatus.ERROR, exited(1, null, "memory", false, false).status(),
                "raise MemoryError at a peak far below the limit");
        assertEquals(ExecutionStatus.OK, exited(0, null, "memory", true, true).status());
        assertEquals(ExecutionStatus.MEMORY_LIMIT, exited(null, 9, null, true, true).status());
        assertEquals(ExecutionStatus.ERROR, exited(1, null, null, false, true).status(),
                "the limit hit (page cache reclaimed) without the program failing of it is no memory_limit");
    }

    @Test
    void aProcessLimitNeedsTheSentrysRefusedFork() {
        assertEquals(ExecutionStatus.PROCESS_LIMIT, exited(1, null, "pids", NONE, true).status());
        assertEquals(ExecutionStatus.ERROR, exited(1, null, "pids", NONE, false).status(),
                "32 idle threads and raise BlockingIOError");
        assertEquals(ExecutionStatus.OK, exited(0, null, "pids", NONE, true).status());
    }

    @Test
    void aBrokenDisplayChannelIsAnErrorEvenWithExitZero() {
        Verdict verdict = Verdict.of(new Verdict.Facts(RunEnding.EXITED, NONE, false,
                new ExitReport(0, null, null, "the program sent a figure that is not a PNG", true)));
        assertEquals(ExecutionStatus.ERROR, verdict.status());
    }

    @Test
    void anInterruptedCellSaysHowItEndedAndAKilledRunSaysSigkill() {
        ExitReport interrupted = new ExitReport(1, null, null, null, false);
        Verdict cell = ended(RunEnding.TIMED_OUT, false, interrupted);
        assertEquals(ExecutionStatus.TIMEOUT, cell.status());
        assertEquals(1, cell.exitCode(), "KeyboardInterrupt in the cell; the session's program lives on");
        assertNull(cell.signal());
        Verdict run = ended(RunEnding.TIMED_OUT, false, null);
        assertNull(run.exitCode());
        assertEquals("SIGKILL", run.signal());
    }

    @Test
    void aLateReportIsAnError() {
        assertEquals(ExecutionStatus.ERROR, ended(RunEnding.REPORT_LATE, false, null).status());
    }
}
