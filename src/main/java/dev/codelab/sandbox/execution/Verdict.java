package dev.codelab.sandbox.execution;

/**
 * Decides a run's status from the service's own facts: why its life ended (its timer, its output
 * count, the client, the protocol), the cgroup's OOM record, and the supervisor's waitpid report.
 * A limit the program says it hit can only name why a failed run failed, and only with evidence.
 */
record Verdict(ExecutionStatus status, Integer exitCode, String signal) {

    /** What the service knows when the run is over. {@code report} is null when none came. */
    record Facts(RunEnding ending, boolean oomKilled, boolean memoryPressure, ExitReport report) {
    }

    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    private static final String KILLED = "SIGKILL";

    static Verdict of(Facts facts) {
        return switch (facts.ending()) {
            case TIMED_OUT -> new Verdict(ExecutionStatus.TIMEOUT, null, KILLED);
            case OUTPUT_LIMITED -> new Verdict(ExecutionStatus.OUTPUT_LIMIT, null, KILLED);
            case CANCELLED, PROTOCOL_ERROR -> new Verdict(ExecutionStatus.ERROR, null, KILLED);
            case SANDBOX_ENDED -> facts.oomKilled()
                    ? new Verdict(ExecutionStatus.MEMORY_LIMIT, null, KILLED)
                    : new Verdict(ExecutionStatus.ERROR, null, null);
            case EXITED -> exited(facts);
        };
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
        } else if (facts.oomKilled() || (ExitReport.MEMORY.equals(report.limit()) && facts.memoryPressure())) {
            status = ExecutionStatus.MEMORY_LIMIT;
        } else if (ExitReport.PIDS.equals(report.limit())) {
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
