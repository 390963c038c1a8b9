package dev.codelab.sandbox.monitoring;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The trace session runsc starts in a sandbox (`--pod-init-config`): which gVisor trace points
 * fire, with which fields, and the remote sink that sends them to this service's socket. Chosen so
 * a data-science run pays almost nothing: no hot call is traced, opens carry no file path lookup
 * unless relative to a directory descriptor, and every point asks only for the caller's
 * credentials (who: the supervisor is uid 0, the program is not).
 */
final class TraceSession {

    private static final List<String> WHO = List.of("credentials");

    private TraceSession() {
    }

    /** The pod-init configuration (JSON as maps) for a sandbox whose events go to {@code socket}. */
    static Map<String, Object> podInitConfig(Path socket) {
        List<Map<String, Object>> points = new ArrayList<>();
        points.add(point("syscall/socket/enter", WHO));
        points.add(point("syscall/connect/enter", WHO));
        points.add(point("sentry/execve", WHO));
        // Relative paths resolve against the working directory (cwd) or the directory descriptor (fd_path).
        points.add(point("syscall/open/enter", List.of("credentials", "cwd")));
        points.add(Map.of("name", "syscall/openat/enter", "context_fields", List.of("credentials", "cwd"),
                "optional_fields", List.of("fd_path")));
        Syscalls.PRIVILEGE.forEach((sysno, name) -> {
            points.add(point(enter(sysno, name), WHO));
            points.add(point(exit(sysno, name), WHO));
        });
        Syscalls.REFUSABLE.forEach((sysno, name) -> {
            if (!Syscalls.SCHEMA.contains(name)) {
                // A raw exit point takes its context fields from the raw enter point's (gVisor 2024-07).
                points.add(point(enter(sysno, name), WHO));
            }
            points.add(point(exit(sysno, name), WHO));
        });
        Syscalls.SPAWNING.forEach((sysno, name) -> {
            points.add(point(enter(sysno, name), WHO));
            points.add(point(exit(sysno, name), WHO));
        });
        Map<String, Object> sink = Map.of("name", "remote", "config", Map.of("endpoint", socket.toString()));
        return Map.of("trace_session", Map.of("name", "Default", "points", points, "sinks", List.of(sink)));
    }

    private static String enter(int sysno, String name) {
        return Syscalls.SCHEMA.contains(name) ? "syscall/" + name + "/enter" : "syscall/sysno/" + sysno + "/enter";
    }

    private static String exit(int sysno, String name) {
        return Syscalls.SCHEMA.contains(name) ? "syscall/" + name + "/exit" : "syscall/sysno/" + sysno + "/exit";
    }

    private static Map<String, Object> point(String name, List<String> contextFields) {
        return Map.of("name", name, "context_fields", contextFields);
    }
}
