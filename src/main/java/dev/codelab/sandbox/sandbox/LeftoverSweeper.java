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
 * state root, every bundle, every per-sandbox cgroup under its cgroup parent.
 */
final class LeftoverSweeper {

    private static final Logger LOG = Logger.getLogger(LeftoverSweeper.class);

    private final Runsc runsc;
    private final Path bundles;
    private final SandboxConfig config;

    LeftoverSweeper(Runsc runsc, Path bundles, SandboxConfig config) {
        this.runsc = runsc;
        this.bundles = bundles;
        this.config = config;
    }

    void sweep() {
        List<String> containers = listContainers();
        for (String id : containers) {
            Sandbox.runQuietly(runsc.kill(id), 10);
            Sandbox.runQuietly(runsc.delete(id), 30);
        }
        Sandbox.deleteTree(bundles);
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
            Process list = new ProcessBuilder(runsc.list()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            list.waitFor(30, TimeUnit.SECONDS);
            return out.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
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
