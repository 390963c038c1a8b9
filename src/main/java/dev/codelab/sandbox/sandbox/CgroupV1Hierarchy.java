package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** cgroup v1: one mount per controller under the root, the sandboxes' parent under each. */
record CgroupV1Hierarchy(Path root, String parent) implements CgroupHierarchy {

    private static final Logger LOG = Logger.getLogger(CgroupV1Hierarchy.class);

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public String problem() {
        if (!Files.isDirectory(root.resolve("memory"))) {
            LOG.warnf("neither a cgroup v2 hierarchy nor a cgroup v1 memory controller under %s", root);
            return "the host has no usable cgroup hierarchy (no cgroup v2, no cgroup v1 memory controller)";
        }
        return null;
    }

    @Override
    public Cgroup sandbox(String name) {
        return new CgroupV1(root, parent, name);
    }

    /** In any hierarchy: runsc adds controllers of its own beside ours. */
    @Override
    public Set<String> children() {
        Set<String> names = new TreeSet<>();
        for (String hierarchy : CgroupFiles.subdirectories(root)) {
            names.addAll(CgroupFiles.subdirectories(root.resolve(hierarchy).resolve(parent)));
        }
        return names;
    }

    @Override
    public boolean removeLeftover(String name) {
        return CgroupV1.removeEverywhere(root, parent + "/" + name);
    }
}
