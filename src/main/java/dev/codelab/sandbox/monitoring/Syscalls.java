package dev.codelab.sandbox.monitoring;

import java.util.Map;
import java.util.Set;

/**
 * The x86-64 system calls this service traces, by number, and the errno values that mean "refused".
 * Hot calls (read, write, mmap, futex, stat) are never traced: each event costs the sandbox a
 * message. Calls the sandbox's seccomp profile refuses (unshare, setns, mount, ptrace, clone with
 * namespace flags) are not here: gVisor refuses them before any trace point, so none would fire.
 */
final class Syscalls {

    static final int EPERM = 1;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int AF_UNIX = 1;

    /** Calls that try to change identity or capabilities: traced on entry (who asks) and exit (refused?). */
    static final Map<Integer, String> PRIVILEGE = Map.of(
            105, "setuid", 106, "setgid", 113, "setreuid", 114, "setregid", 116, "setgroups",
            117, "setresuid", 119, "setresgid", 126, "capset");

    /** Calls that matter only when refused: a signal to a process not its own, a device node, a higher limit. */
    static final Map<Integer, String> REFUSABLE = Map.of(
            62, "kill", 200, "tkill", 234, "tgkill", 133, "mknod", 259, "mknodat", 160, "setrlimit",
            302, "prlimit64");

    /**
     * Calls that make a process or thread: refused with EAGAIN, the program met its process limit
     * (RLIMIT_NPROC). Traced raw, entry and exit; not hot in a data-science run.
     */
    static final Map<Integer, String> SPAWNING = Map.of(56, "clone", 57, "fork", 58, "vfork");

    /** Of these, the ones gVisor has a schema for; the rest are traced as raw syscall/sysno/N points. */
    static final Set<String> SCHEMA = Set.of("setuid", "setgid", "setresuid", "setresgid", "prlimit64");

    private Syscalls() {
    }

    static String name(long sysno) {
        String name = PRIVILEGE.get((int) sysno);
        return name != null ? name : REFUSABLE.get((int) sysno);
    }

    static boolean spawning(long sysno) {
        return SPAWNING.containsKey((int) sysno);
    }

    static boolean privilege(long sysno) {
        return PRIVILEGE.containsKey((int) sysno);
    }

    static boolean refused(long errno) {
        return errno == EPERM || errno == EACCES;
    }

    static String errnoName(long errno) {
        return errno == EPERM ? "EPERM" : errno == EACCES ? "EACCES" : Long.toString(errno);
    }
}
