package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cleans up after a crashed earlier process of this service: every runsc container under its
 * state root, every bundle and checkpoint image, every per-sandbox cgroup under its cgroup parent.
 */
final class LeftoverSweeper {

    private static final Logger LOG = Logger.getLogger(LeftoverSweeper.class);

    private final Runsc runsc;
    private final List<Path> stateDirs;
    private final SandboxConfig config;

    LeftoverSweeper(Runsc runsc, List<Path> stateDirs, SandboxConfig config) {
        this.runsc = runsc;
        this.stateDirs = stateDirs;
        this.config = config;
    }

    void sweep() {
        List<String> containers = listContainers();
        for (String id : containers) {
            Sandbox.runQuietly(runsc.kill(id), 10);
            Sandbox.runQuietly(runsc.delete(id), 30);
        }
        stateDirs.forEach(Sandbox::deleteTree);
        int cgroups = 0;
        for (String name : leftoverCgroups()) {
            cgroups += Cgroup.removeEverywhere(config.cgroupRoot(), config.cgroupParent() + "/" + name) ? 1 : 0;
        }
        if (!containers.isEmpty() || cgroups > 0) {
            LOG.infof("swept %d leftover sandboxes and %d cgroups of an earlier run", containers.size(), cgroups);
        }
    }

    private List<String> listContainers() {
        try {
            return Sandbox.output(runsc.list()).lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Names of per-sandbox cgroups in any hierarchy (runsc adds controllers of its own). */
    private Set<String> leftoverCgroups() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> hierarchies = Files.list(config.cgroupRoot())) {
            for (Path parent : hierarchies.map(h -> h.resolve(config.cgroupParent())).filter(Files::isDirectory).toList()) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory).forEach(child -> names.add(child.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            LOG.debugf("cannot list cgroups: %s", e.getMessage());
        }
        return names;
    }
}
