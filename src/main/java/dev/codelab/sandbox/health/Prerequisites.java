package dev.codelab.sandbox.health;

import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import dev.codelab.sandbox.sandbox.CgroupHierarchy;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.sandbox.Sandboxes;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.util.List;

/** What this host needs before a sandbox can start: runsc, cgroups (v1 or v2), the runner, the images. */
@ApplicationScoped
public class Prerequisites {

    private static final Logger LOG = Logger.getLogger(Prerequisites.class);

    private final SandboxConfig sandboxConfig;
    private final Sandboxes sandboxes;
    private final RuntimeCatalog catalog;
    private final CgroupHierarchy cgroups;

    Prerequisites(SandboxConfig sandboxConfig, Sandboxes sandboxes, RuntimeCatalog catalog, CgroupHierarchy cgroups) {
        this.cgroups = cgroups;
        this.sandboxConfig = sandboxConfig;
        this.sandboxes = sandboxes;
        this.catalog = catalog;
    }

    /** Null when runsc, cgroups, the runner and the images are there, else a reason fit for users (no host paths). */
    String problem() {
        if (!Sandbox.commandWorks(List.of(sandboxConfig.runsc(), "--version"))) {
            LOG.warnf("runsc binary '%s' does not run", sandboxConfig.runsc());
            return "runsc is not installed or does not run";
        }
        String cgroupProblem = cgroups.problem();
        if (cgroupProblem != null) {
            return cgroupProblem;
        }
        if (!sandboxes.runnerPresent()) {
            return "the sandbox runner is missing";
        }
        LanguageRuntime python = catalog.find(RuntimeCatalog.DEFAULT_LANGUAGE).orElseThrow();
        if (!Files.isExecutable(python.image().rootfs().resolve("usr/bin/python3"))) {
            LOG.warnf("python image not found at %s; build it with `make image`", python.image().rootfs());
            return "the python sandbox image is missing";
        }
        return null;
    }
}
