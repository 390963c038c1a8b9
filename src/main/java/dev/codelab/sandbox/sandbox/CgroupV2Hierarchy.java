package dev.codelab.sandbox.sandbox;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * cgroup v2: one unified hierarchy. Sandboxes go under a parent in the service's own delegated
 * subtree: the cgroup the service was started in or, when it sits in the leaf {@value #SERVICE_LEAF}
 * that deploy/entrypoint.sh makes, that leaf's parent. (v2 hands controllers to children only from
 * a cgroup that holds no process itself, hence the leaf.) In a container with its own cgroup
 * namespace, that is the container's cgroup.
 */
final class CgroupV2Hierarchy implements CgroupHierarchy {

    /** The leaf deploy/entrypoint.sh moves the service's processes into. */
    static final String SERVICE_LEAF = "service";
    /** The service's three, and cpuset: runsc reads its CPU count from cpuset.cpus.effective. */
    private static final String CONTROLLERS = "+cpuset +cpu +memory +pids";
    private static final Logger LOG = Logger.getLogger(CgroupV2Hierarchy.class);

    private final Path delegated;
    private final Path parentDir;
    private final String specParent;
    private boolean peakChecked;
    private MemoryPeakSampler sampler;

    /** {@code ownCgroup} is the service's cgroup as /proc/self/cgroup shows it, e.g. "/service". */
    CgroupV2Hierarchy(Path mount, String ownCgroup, String parent) {
        String own = ownCgroup.endsWith("/" + SERVICE_LEAF)
                ? ownCgroup.substring(0, ownCgroup.length() - SERVICE_LEAF.length() - 1)
                : ownCgroup;
        String delegatedPath = own.replaceAll("^/+|/+$", "");
        this.delegated = mount.resolve(delegatedPath);
        this.specParent = (delegatedPath.isEmpty() ? "" : "/" + delegatedPath) + "/" + parent;
        this.parentDir = mount.resolve(specParent.substring(1));
    }

    @Override
    public String version() {
        return "v2";
    }

    /** Hands the controllers down from the delegated cgroup to the sandboxes' parent. */
    @Override
    public String problem() {
        try {
            CgroupFiles.write(delegated.resolve("cgroup.subtree_control"), CONTROLLERS);
            Files.createDirectories(parentDir);
            CgroupFiles.write(parentDir.resolve("cgroup.subtree_control"), CONTROLLERS);
            return null;
        } catch (IOException e) {
            LOG.warnf("cgroup v2: cannot delegate cpuset, cpu, memory and pids from %s to %s (%s); the service's processes"
                    + " must sit in a leaf such as %s/%s, as deploy/entrypoint.sh arranges", delegated, parentDir,
                    e.getMessage(), delegated, SERVICE_LEAF);
            return "the service's cgroup v2 subtree cannot delegate cpuset, cpu, memory and pids to sandboxes";
        }
    }

    @Override
    public Cgroup sandbox(String name) {
        return new CgroupV2(parentDir.resolve(name), specParent + "/" + name, sampler());
    }

    @Override
    public Set<String> children() {
        return CgroupFiles.subdirectories(parentDir);
    }

    @Override
    public boolean removeLeftover(String name) {
        Path dir = parentDir.resolve(name);
        Cgroup leftover = new CgroupV2(dir, specParent + "/" + name, null);
        leftover.kill();
        try {
            leftover.remove();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !Files.isDirectory(dir);
    }

    @Override
    public String toString() {
        return "v2, sandboxes under " + parentDir;
    }

    /** Only kernels without memory.peak (before 5.19) need one; the parent shows which this is. */
    private synchronized MemoryPeakSampler sampler() {
        if (!peakChecked) {
            peakChecked = true;
            if (!Files.exists(parentDir.resolve("memory.peak"))) {
                LOG.info("cgroup v2 without memory.peak: memory peaks are sampled from memory.current");
                sampler = new MemoryPeakSampler();
            }
        }
        return sampler;
    }
}
