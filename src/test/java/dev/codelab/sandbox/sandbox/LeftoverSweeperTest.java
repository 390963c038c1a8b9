package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a crashed service left behind is removed by the sweep that runs at start-up. The test runs
 * its own service (state dir, cgroup parent), so the sweep ends nothing another test relies on.
 */
@QuarkusTest
@Tag("sandbox")
@TestProfile(SweepOnly.class)
class LeftoverSweeperTest {

    @Inject
    Sandboxes sandboxes;

    @Inject
    RuntimeCatalog runtimes;

    @Test
    void theSweepEndsOrphanedSandboxesAndRemovesTheirState() throws Exception {
        Api.awaitReady();
        // An orphan: started but never released, as if the service had crashed mid-run.
        Sandbox orphan = sandboxes.start("orphan-" + System.nanoTime(),
                runtimes.find("python").orElseThrow().image(), new SandboxLimits(60_000, 1, 128, 16, 1024, 8));
        Path cgroup = Path.of("/sys/fs/cgroup/memory", SweepOnly.CGROUP_PARENT, orphan.id());
        Path bundle = Path.of(SweepOnly.STATE_DIR, "bundles", orphan.id());
        org.awaitility.Awaitility.await("the orphan runs").atMost(Duration.ofSeconds(10))
                .until(() -> !Api.read(cgroup.resolve("cgroup.procs")).isBlank());
        assertTrue(Files.isDirectory(bundle));
        // Golden images of every warm profile, as a crash would leave them.
        List<Path> images = runtimes.find("python").orElseThrow().profileNames().stream()
                .map(profile -> sandboxes.imagesDir().resolve("python").resolve(profile).resolve("checkpoint.img")).toList();
        for (Path image : images) {
            Files.createDirectories(image.getParent());
            Files.write(image, new byte[16]);
        }

        sandboxes.sweepLeftovers();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> !Files.exists(cgroup) && !Files.exists(bundle));
        assertFalse(Files.exists(bundle), "bundle removed");
        assertFalse(Files.exists(cgroup), "cgroup removed, so no process of the orphan is left");
        images.forEach(image -> assertFalse(Files.exists(image), image + " removed"));
    }
}
