package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.sandbox.LimitEvidence;

/**
 * Decides a cell's status from the service's own facts: why its life ended (its timer, its output
 * count, the client, the protocol), the cgroup's record of the memory limit, the sentry's record
 * of refused forks, and the supervisor's waitpid report. A limit the program says it hit can only
 * name why a failed cell failed, and only with the host's evidence: a {@code MemoryError} is
 * {@code memory_limit} only if the cgroup saw the limit hit, a {@code BlockingIOError} is
 * {@code process_limit} only if the sentry refused a fork for the process limit.
 */
record Verdict(ExecutionStatus status, Integer exitCode, String signal) {

    /**
     * What the service knows when the cell is over. {@code report} is null when none came;
     * {@code processLimitHit}: the sentry refused a clone/fork with EAGAIN during the cell.
     */
    record Facts(RunEnding ending, LimitEvidence memory, boolean processLimitHit, ExitReport report) {
    }

    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    private static final String KILLED = "SIGKILL";

    static Verdict of(Facts facts) {
        return switch (facts.ending()) {
            case TIMED_OUT -> stopped(ExecutionStatus.TIMEOUT, facts.report());
            case OUTPUT_LIMITED -> stopped(ExecutionStatus.OUTPUT_LIMIT, facts.report());
            case CANCELLED -> stopped(ExecutionStatus.ERROR, facts.report());
            case PROTOCOL_ERROR, START_LATE, REPORT_LATE -> new Verdict(ExecutionStatus.ERROR, null, KILLED);
            case SANDBOX_ENDED -> facts.memory().oomKilled()
                    ? new Verdict(ExecutionStatus.MEMORY_LIMIT, null, KILLED)
                    : new Verdict(ExecutionStatus.ERROR, null, null);
            case EXITED -> exited(facts);
        };
    }

    /**
     * Stopped by the service: a single run's program was killed; a session's cell was interrupted
     * and its program lives on, so its report says how the cell ended (1 for KeyboardInterrupt).
     */
    private static Verdict stopped(ExecutionStatus status, ExitReport report) {
        if (report != null && !report.programEnded()) {
            return new Verdict(status, report.exitCode(), report.signal() == null ? null : name(report.signal()));
        }
        return new Verdict(status, null, KILLED);
    }

    private static Verdict exited(Facts facts) {
        ExitReport report = facts.report();
        String signal = report.signal() == null ? null : name(report.signal());
        boolean succeeded = report.exitCode() != null && report.exitCode() == 0;
        ExecutionStatus status;
        if (succeeded && report.problem() == null) {
            status = ExecutionStatus.OK;
        } else if (succeeded) {
            status = ExecutionStatus.ERROR;
        } else if (facts.memory().oomKilled()
                || (ExitReport.MEMORY.equals(report.limit()) && facts.memory().memoryLimitHit())) {
            status = ExecutionStatus.MEMORY_LIMIT;
        } else if (facts.processLimitHit()) {
            status = ExecutionStatus.PROCESS_LIMIT;
        } else {
            status = ExecutionStatus.ERROR;
        }
        return new Verdict(status, report.exitCode(), signal);
    }

    private static String name(int signal) {
        return signal < SIGNALS.length ? SIGNALS[signal] : "SIGRT" + signal;
    }
}
