package dev.codelab.sandbox.sandbox;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one place that tells cgroup v1 from v2, once, at start. */
@Singleton
class CgroupDetection {

    private static final Logger LOG = Logger.getLogger(CgroupDetection.class);
    private static final Path SELF = Path.of("/proc/self/cgroup");

    @Produces
    @Singleton
    CgroupHierarchy hierarchy(SandboxConfig config) {
        CgroupHierarchy hierarchy = detect(config.cgroupRoot(), config.cgroupParent(), ownCgroup());
        LOG.infof("cgroup hierarchy: %s", hierarchy);
        return hierarchy;
    }

    /** v2 where the root is a unified mount (it has cgroup.controllers); a hybrid host counts as v1. */
    static CgroupHierarchy detect(Path root, String parent, String ownCgroup) {
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return new CgroupV2Hierarchy(root, ownCgroup, parent);
        }
        return new CgroupV1Hierarchy(root, parent);
    }

    /** The service's v2 cgroup: the "0::" line of /proc/self/cgroup. */
    private static String ownCgroup() {
        try {
            return Files.readAllLines(SELF).stream().filter(line -> line.startsWith("0::"))
                    .map(line -> line.substring(3)).findFirst().orElse("/");
        } catch (IOException e) {
            return "/";
        }
    }
}
