package dev.codelab.sandbox.monitoring;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;

/** Suspicious-activity detection from gVisor's runtime monitoring (README: "Suspicious activity"). */
@ConfigMapping(prefix = "codelab.monitoring")
public interface MonitoringConfig {

    /** Watch every run's sandbox. Off: no trace session, and audit lines carry no securityEvents. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Events read per second from one sandbox. Past it the sandbox's events wait in its socket,
     * and gVisor drops (and counts) what does not fit: a flood costs the service no more than this.
     */
    @WithDefault("2000")
    int eventsPerSecond();

    /** Events one sandbox may send at once before the rate applies (a cold start's imports send ~1700). */
    @WithDefault("4000")
    int eventBurst();

    /** Highest count kept per kind and per refused call: enough to tell probing from an accident. */
    @WithDefault("1000")
    int maxCount();

    /**
     * Programs a run may execute without it counting (globs on the path gVisor resolved): the
     * runtime, and uname, which Python's platform module runs while the stack is imported (cold starts).
     */
    @WithDefault("/usr/bin/python3*,/usr/bin/uname")
    List<String> allowedExecutables();

    /** Paths whose opening counts, to read or write (globs: * stays within one path element). */
    @WithDefault("/proc/*/environ,/proc/*/task/*/environ,/proc/*/mem,/proc/*/task/*/mem,/etc/shadow,/etc/gshadow")
    List<String> sensitivePaths();

    /**
     * Paths whose opening for writing counts: the runner (read-only; the program imports its
     * matplotlib backend from there, so reading it is normal).
     */
    @WithDefault("/opt/codelab/**")
    List<String> protectedPaths();
}
