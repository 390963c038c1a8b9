package dev.codelab.sandbox.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec of one sandbox. Everything a program can reach is listed here: a
 * read-only image, sized tmpfs mounts for writing, the runner mounted read-only, a fresh
 * environment, rlimits and a seccomp profile. The sandbox's first process is the supervisor
 * (runsc/runner/codelab_supervisor.py): root inside gVisor with only the capabilities it needs to
 * fork the program as uid 1000 with none, end its processes and read the files it leaves.
 */
final class OciSpec {

    static final int SUPERVISOR_UID = 0;
    private static final List<String> SUPERVISOR_CAPABILITIES = List.of(
            "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL", "CAP_DAC_READ_SEARCH");
    static final String RUNNER_MOUNT = "/opt/codelab";
    static final String WORKSPACE = "/workspace";
    private static final int SHM_MB = 16;

    private OciSpec() {
    }

    static Map<String, Object> of(SandboxImage image, String runnerDir, SandboxLimits limits,
                                  String cgroupsPath, Object seccompProfile, int openFiles) {
        List<String> env = new ArrayList<>();
        image.environment().forEach((name, value) -> env.add(name + "=" + value));

        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", SUPERVISOR_UID, "gid", SUPERVISOR_UID));
        process.put("args", image.command());
        process.put("env", env);
        process.put("cwd", WORKSPACE);
        List<String> none = List.of();
        process.put("capabilities", Map.of("bounding", SUPERVISOR_CAPABILITIES, "effective", SUPERVISOR_CAPABILITIES,
                "permitted", SUPERVISOR_CAPABILITIES, "inheritable", none, "ambient", none));
        // A ceiling for the whole sandbox; the supervisor lowers them to the request's values for the program.
        process.put("rlimits", List.of(
                rlimit("RLIMIT_NOFILE", openFiles),
                rlimit("RLIMIT_FSIZE", limits.diskBytes()),
                rlimit("RLIMIT_CORE", 0)));
        process.put("noNewPrivileges", true);

        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("cgroupsPath", cgroupsPath);
        linux.put("namespaces", List.of(Map.of("type", "pid"), Map.of("type", "network"),
                Map.of("type", "ipc"), Map.of("type", "uts"), Map.of("type", "mount")));
        linux.put("seccomp", seccompProfile);
        linux.put("maskedPaths", List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"));
        linux.put("readonlyPaths", List.of("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"));

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.0.2");
        spec.put("process", process);
        spec.put("root", Map.of("path", image.rootfs().toString(), "readonly", true));
        spec.put("hostname", "sandbox");
        spec.put("mounts", List.of(
                Map.of("destination", "/proc", "type", "proc", "source", "proc"),
                tmpfs("/tmp", limits.diskMb()),
                tmpfs(WORKSPACE, limits.diskMb()),
                tmpfs("/dev/shm", SHM_MB),
                Map.of("destination", RUNNER_MOUNT, "type", "bind", "source", runnerDir,
                        "options", List.of("rbind", "ro", "nosuid", "nodev"))));
        spec.put("linux", linux);
        return spec;
    }

    private static Map<String, Object> rlimit(String type, long value) {
        return Map.of("type", type, "hard", value, "soft", value);
    }

    /** Writable scratch space: sentry memory, so it is gone with the sandbox and counts as its memory. */
    private static Map<String, Object> tmpfs(String destination, int sizeMb) {
        return Map.of("destination", destination, "type", "tmpfs", "source", "tmpfs",
                "options", List.of("nosuid", "nodev", "size=" + sizeMb + "m", "mode=1777"));
    }
}
