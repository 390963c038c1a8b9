package dev.codelab.sandbox.monitoring;

import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/** Which events say a program probed its sandbox, and of what kind. The supervisor's never do. */
final class SecurityRules {

    private static final long AT_FDCWD = -100;
    private static final long WRITE_INTENT = 01 | 02 | 0100 | 01000; // O_WRONLY, O_RDWR, O_CREAT, O_TRUNC

    private final List<PathMatcher> allowedExecutables;
    private final List<PathMatcher> sensitivePaths;
    private final List<PathMatcher> protectedPaths;

    SecurityRules(List<String> allowedExecutables, List<String> sensitivePaths, List<String> protectedPaths) {
        this.allowedExecutables = matchers(allowedExecutables);
        this.sensitivePaths = matchers(sensitivePaths);
        this.protectedPaths = matchers(protectedPaths);
    }

    /** Counts the event if it says the program probed; returns what it counted (for the debug log), or null. */
    String apply(TraceEvent event, SecurityTally tally) {
        if (!event.byProgram()) {
            return null;
        }
        switch (event.type()) {
            case TraceDecoder.SYSCALL_SOCKET, TraceDecoder.SYSCALL_CONNECT -> {
                // Unix sockets reach nothing outside the sandbox, and glibc's name lookups try one.
                if (event.family() != Syscalls.AF_UNIX) {
                    tally.network();
                    return "network: family " + event.family();
                }
            }
            case TraceDecoder.SENTRY_EXEC -> {
                if (!matches(allowedExecutables, event.path())) {
                    tally.exec();
                    return "exec: " + event.path();
                }
            }
            case TraceDecoder.SYSCALL_OPEN -> {
                String path = absolute(event);
                boolean writing = (event.openFlags() & WRITE_INTENT) != 0;
                if (matches(sensitivePaths, path) || (writing && matches(protectedPaths, path))) {
                    tally.sensitivePath();
                    return "sensitive path: " + path;
                }
            }
            default -> {
                return syscall(event, tally);
            }
        }
        return null;
    }

    private static String syscall(TraceEvent event, SecurityTally tally) {
        if (Syscalls.spawning(event.sysno())) {
            if (event.exit() && event.errno() == Syscalls.EAGAIN) {
                tally.processLimitHit();
                return "process limit: " + Syscalls.SPAWNING.get((int) event.sysno());
            }
            return null;
        }
        String name = Syscalls.name(event.sysno());
        if (name == null) {
            return null;
        }
        if (!event.exit() && Syscalls.privilege(event.sysno())) {
            tally.privilege();
            return "privilege: " + name;
        }
        if (event.exit() && Syscalls.refused(event.errno())) {
            String call = name + ":" + Syscalls.errnoName(event.errno());
            tally.refused(call);
            return "refused: " + call;
        }
        return null;
    }

    /** The opened path made absolute, "." and ".." resolved by name (as the kernel would without links). */
    private static String absolute(TraceEvent event) {
        String path = event.path();
        if (path == null || path.isEmpty()) {
            return null;
        }
        if (!path.startsWith("/")) {
            String base = event.dirFd() == AT_FDCWD ? event.cwd() : event.dirPath();
            if (base == null || !base.startsWith("/")) {
                return null;
            }
            path = base + "/" + path;
        }
        try {
            return Path.of(path).normalize().toString();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean matches(List<PathMatcher> matchers, String path) {
        if (path == null) {
            return false;
        }
        try {
            Path candidate = Path.of(path);
            return matchers.stream().anyMatch(matcher -> matcher.matches(candidate));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static List<PathMatcher> matchers(List<String> globs) {
        return globs.stream().map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
    }
}
