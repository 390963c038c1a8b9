package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a crashed service left behind is removed by the sweep that runs at start-up. */
@QuarkusTest
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
        Api.sleep(500);
        assertEquals(1, Api.busySandboxes());
        Path cgroup = Path.of("/sys/fs/cgroup/memory/codelab-test", orphan.id());
        Path bundle = Path.of("/run/codelab-sandbox-test/bundles", orphan.id());
        assertTrue(Files.isDirectory(cgroup) && Files.isDirectory(bundle));

        sandboxes.sweepLeftovers();

        Api.assertNoSandboxLeft(Duration.ofSeconds(10));
        assertFalse(Files.exists(bundle), "bundle removed");
        assertFalse(Files.exists(cgroup), "cgroup removed");
    }
}
