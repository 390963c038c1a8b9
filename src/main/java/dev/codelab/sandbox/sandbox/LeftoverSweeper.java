package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        for (String controller : Cgroup.CONTROLLERS) {
            cgroups += removeChildren(config.cgroupRoot().resolve(controller).resolve(config.cgroupParent()));
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

    private static int removeChildren(Path parent) {
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        try (Stream<Path> children = Files.list(parent)) {
            return (int) children.filter(Files::isDirectory).filter(child -> child.toFile().delete()).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
