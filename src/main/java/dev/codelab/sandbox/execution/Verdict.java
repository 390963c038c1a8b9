package dev.codelab.sandbox.execution;

/**
 * Decides a run's status from what was observed, most specific first: the service's own kills
 * (timeout, output cap), then the kernel's (OOM), then what the runner reported.
 */
record Verdict(ExecutionStatus status, Integer exitCode, String signal) {

    /** What a run ended with, as seen from outside the sandbox. */
    record Observed(boolean timedOut, boolean outputLimited, boolean oomKilled, String runnerLimit,
                    Integer runnerExitCode, int processExitCode, boolean protocolError) {
    }

    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    static Verdict of(Observed seen) {
        Integer exitCode = seen.runnerExitCode();
        String signal = null;
        if (exitCode == null && seen.processExitCode() > 128 && seen.processExitCode() - 128 < SIGNALS.length) {
            signal = SIGNALS[seen.processExitCode() - 128];
        } else if (exitCode == null && seen.processExitCode() >= 0) {
            exitCode = seen.processExitCode();
        }
        // A runner that sent its exit frame finished on its own: a timer or OOM kill after it changes nothing.
        boolean reported = seen.runnerExitCode() != null;
        ExecutionStatus status;
        if (seen.timedOut() && !reported) {
            status = ExecutionStatus.TIMEOUT;
        } else if (seen.outputLimited()) {
            status = ExecutionStatus.OUTPUT_LIMIT;
        } else if ((seen.oomKilled() && !reported) || "memory".equals(seen.runnerLimit())) {
            status = ExecutionStatus.MEMORY_LIMIT;
        } else if ("pids".equals(seen.runnerLimit())) {
            status = ExecutionStatus.PROCESS_LIMIT;
        } else if (!seen.protocolError() && exitCode != null && exitCode == 0 && signal == null) {
            status = ExecutionStatus.OK;
        } else {
            status = ExecutionStatus.ERROR;
        }
        return new Verdict(status, exitCode, signal);
    }
}
