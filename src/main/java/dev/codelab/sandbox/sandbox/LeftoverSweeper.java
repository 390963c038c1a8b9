package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;

/**
 * Cleans up after a crashed earlier process of this service: every runsc container under its
 * state root, the state root itself, every bundle and checkpoint image, every per-sandbox cgroup
 * under its cgroup parent.
 */
final class LeftoverSweeper {

    private static final Logger LOG = Logger.getLogger(LeftoverSweeper.class);
    private static final int REMOVE_ATTEMPTS = 100;

    private final Runsc runsc;
    private final List<Path> stateDirs;
    private final CgroupHierarchy cgroups;

    LeftoverSweeper(Runsc runsc, List<Path> stateDirs, CgroupHierarchy cgroups) {
        this.runsc = runsc;
        this.stateDirs = stateDirs;
        this.cgroups = cgroups;
    }

    /**
     * Live sandboxes are killed through runsc. Stopped ones only have their state files removed:
     * `runsc kill` or `delete` on a stale state would signal its recorded PID, which by now may
     * belong to another process.
     */
    void sweep() {
        List<String> live = liveContainers();
        for (String id : live) {
            Sandbox.runQuietly(runsc.kill(id), 10);
            Sandbox.runQuietly(runsc.delete(id), 30);
        }
        stateDirs.forEach(Sandbox::deleteTree);
        int removed = 0;
        for (String name : cgroups.children()) {
            removed += removeWhenEmpty(name) ? 1 : 0;
        }
        if (!live.isEmpty() || removed > 0) {
            LOG.infof("swept %d running sandboxes and %d cgroups of an earlier run", live.size(), removed);
        }
    }

    /** A killed sandbox's processes take a moment to exit; its cgroup can go only then. */
    private boolean removeWhenEmpty(String name) {
        try {
            return CgroupFiles.removeWithin(REMOVE_ATTEMPTS, () -> cgroups.removeLeftover(name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Containers that runsc finds running (or created, paused): ID, PID, STATUS columns. */
    private List<String> liveContainers() {
        try {
            return Sandbox.output(runsc.list()).lines().skip(1)
                    .map(line -> line.strip().split("\\s+"))
                    .filter(columns -> columns.length > 2 && !columns[2].equals("stopped"))
                    .map(columns -> columns[0])
                    .toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
