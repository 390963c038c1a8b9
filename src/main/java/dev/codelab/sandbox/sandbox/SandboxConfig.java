package dev.codelab.sandbox.sandbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.util.List;

/** How sandboxes are started on this host: the runsc binary, its flags, and where state lives. */
@ConfigMapping(prefix = "codelab.sandbox")
public interface SandboxConfig {

    /** The runsc binary. */
    @WithDefault("runsc")
    String runsc();

    /** runsc platform: ptrace idles cheapest on small VMs; systrap may suit bigger nodes. */
    @WithDefault("ptrace")
    String platform();

    /** Extra runsc global flags, e.g. --directfs=true (saves ~0.5 s per start). */
    @WithDefault("--directfs=true")
    List<String> extraFlags();

    /** runsc state (--root) and bundles; swept of leftovers at start-up. */
    @WithDefault("/run/codelab-sandbox")
    Path stateDir();

    /** The in-sandbox runner, mounted read-only at /opt/codelab. */
    @WithDefault("runsc/runner")
    Path runnerDir();

    /** OCI seccomp profile applied inside the sandbox (--oci-seccomp). */
    @WithDefault("runsc/seccomp.json")
    Path seccompProfile();

    /**
     * Parent of the sandboxes' cgroups, one child per sandbox: on cgroup v1 under each controller's
     * mount, on v2 in the service's own delegated subtree (see CgroupV2Hierarchy).
     */
    @WithDefault("codelab")
    String cgroupParent();

    /** cgroup mount point: v1 controllers under it, or the v2 unified hierarchy. */
    @WithDefault("/sys/fs/cgroup")
    Path cgroupRoot();

    /** Host memory the sentry and gofer need on top of the program's memoryMb. */
    @WithDefault("96")
    int sentryOverheadMb();

    /**
     * Host pids cgroup limit, a safety net far above any request's pids (enforced inside by
     * RLIMIT_NPROC): a small host limit crashes the sentry.
     */
    @WithDefault("4096")
    int hostPidsLimit();

    /** Open files per program (RLIMIT_NOFILE). */
    @WithDefault("256")
    int openFiles();

    /**
     * How long a restore and the warm-up after it may take before the sandbox counts as failed
     * (the cgroup v2 guest suite, under software emulation, needs far more).
     */
    @WithDefault("10000")
    long restoreTimeoutMs();

    /** Largest single frame accepted from the runner. */
    @WithDefault("33554432")
    int maxFrameBytes();
}
