package dev.codelab.sandbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which hierarchy the service sees, and where on v2 its sandboxes go, on directories shaped like cgroupfs. */
class CgroupDetectionTest {

    @TempDir
    Path root;

    @Test
    void aRootWithoutCgroupControllersIsV1() {
        CgroupHierarchy hierarchy = CgroupDetection.detect(root, "codelab", "/");
        assertEquals("v1", hierarchy.version());
        assertEquals("/codelab/x", hierarchy.sandbox("x").specPath());
    }

    @Test
    void aUnifiedRootIsV2() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        assertEquals("v2", CgroupDetection.detect(root, "codelab", "/").version());
    }

    @Test
    void onV2SandboxesGoBesideTheServicesLeafInsideItsDelegatedCgroup() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        assertEquals("/codelab/x", CgroupDetection.detect(root, "codelab", "/service").sandbox("x").specPath(),
                "the container's entrypoint moved the service into its leaf");
        assertEquals("/codelab/x", CgroupDetection.detect(root, "codelab", "/").sandbox("x").specPath(),
                "the service runs in the root cgroup");
        assertEquals("/system.slice/app.service/codelab/x",
                CgroupDetection.detect(root, "codelab", "/system.slice/app.service").sandbox("x").specPath(),
                "a unit's own (delegated) cgroup");
    }

    @Test
    void settingUpV2DelegatesTheControllersToTheSandboxesParent() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        CgroupHierarchy hierarchy = CgroupDetection.detect(root, "codelab", "/service");

        assertNull(hierarchy.problem());
        assertEquals("+cpuset +cpu +memory +pids", Files.readString(root.resolve("cgroup.subtree_control")));
        assertEquals("+cpuset +cpu +memory +pids", Files.readString(root.resolve("codelab/cgroup.subtree_control")));
        Files.createDirectories(root.resolve("codelab/leftover"));
        assertEquals(Set.of("leftover"), hierarchy.children());
        assertTrue(hierarchy.removeLeftover("leftover"));
        assertFalse(Files.exists(root.resolve("codelab/leftover")));
    }

    @Test
    void aV2CgroupThatCannotDelegateIsAProblemWithoutHostPaths() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        String problem = CgroupDetection.detect(root, "codelab", "/gone/app.service").problem();
        assertNotNull(problem);
        assertFalse(problem.contains(root.toString()), problem);
    }
}
