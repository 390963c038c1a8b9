package dev.codelab.sandbox.execution;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The supervisor's X frame: the program's exit code or signal from its own waitpid (a session's
 * cell: 0, 1 or its SystemExit code, with {@code ended} false while the program lives on),
 * a limit the program said it hit (kept by the supervisor only with evidence), and a problem with
 * the program's display channel. Checked field by field: the sandbox is hostile ground.
 */
@RegisterForReflection
record ExitReport(Integer exitCode, Integer signal, String limit, String problem, Boolean ended) {

    static final String MEMORY = "memory";
    static final String PIDS = "pids";
    private static final int PROBLEM_CHARS = 200;

    /** True unless the supervisor says the program lives on (a session's cell). */
    boolean programEnded() {
        return ended == null || ended;
    }

    /** This report if every field is within the contract; else why not. */
    ExitReport checked() throws SandboxOutput.Invalid {
        boolean exited = exitCode != null && exitCode >= 0 && exitCode <= 255 && signal == null;
        boolean signalled = signal != null && signal >= 1 && signal <= 64 && exitCode == null;
        boolean unknown = exitCode == null && signal == null;
        if (!(exited || signalled || unknown)) {
            throw new SandboxOutput.Invalid("an exit report with exit code " + exitCode + " and signal " + signal);
        }
        if (limit != null && !limit.equals(MEMORY) && !limit.equals(PIDS)) {
            throw new SandboxOutput.Invalid("an exit report naming an unknown limit");
        }
        if (problem != null && problem.length() > PROBLEM_CHARS) {
            throw new SandboxOutput.Invalid("an exit report with a problem over " + PROBLEM_CHARS + " characters");
        }
        return this;
    }

    /** The problem as the user's stderr may show it: refused characters replaced. */
    String shownProblem() {
        StringBuilder out = new StringBuilder(problem.length());
        problem.codePoints().forEach(c -> out.appendCodePoint(WorkspacePath.allowed(Character.toString(c)) ? c : '?'));
        return out.toString();
    }
}
