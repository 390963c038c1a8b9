package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hibernated images never pass their disk budget, not even while one is written (issue 18 row 2:
 * two idle sessions of 2 GiB once wrote 4.1 GiB of images under a 3 GiB budget, past the pod's
 * volume). An image's room is reserved from its sandbox's memory before its checkpoint starts.
 */
@QuarkusTest
@Tag("sandbox")
@TestProfile(SmallDisk.class)
class HibernationBudgetTest extends RealSandboxTest {

    private static final Path IMAGES = Path.of("/run/codelab-sandbox-test/sessions"); // the sessions directory
    private static final long BUDGET = SmallDisk.DISK_MB * 1024L * 1024;

    @Test
    void theImagesStayWithinTheirBudgetWhatHasToGiveWayEndsWithItsReason() throws Exception {
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicLong mostOnDisk = new AtomicLong();
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                mostOnDisk.accumulateAndGet(onDisk(), Math::max);
                Api.sleep(20);
            }
        });
        watcher.start();
        try {
            String first = holding(150);
            awaitState(first, "hibernated");
            String second = holding(150);
            awaitState(second, "hibernated");
            Response evicted = given().get("/v1/sessions/" + first);
            assertEquals(404, evicted.statusCode(), "two images do not fit: the least recently used gave way");
            assertEquals("evicted", evicted.jsonPath().getString("endReason"), evicted.asString());
            String huge = holding(400);
            Api.sleep(6_000); // a few tending rounds: its image could never fit
            assertEquals("active", given().get("/v1/sessions/" + huge).jsonPath().getString("state"),
                    "a session whose image cannot fit stays live");
            assertEquals("hibernated", given().get("/v1/sessions/" + second).jsonPath().getString("state"),
                    "and evicts nobody for nothing");
            Response resumed = SessionsUnderTest.cellResponse(second, "print(len(data))");
            assertEquals(String.valueOf(150 << 20) + "\n", resumed.jsonPath().getString("stdout"), resumed.asString());
            given().delete("/v1/sessions/" + second);
            given().delete("/v1/sessions/" + huge);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertTrue(mostOnDisk.get() > 100L << 20, "the images were seen on disk: " + mostOnDisk.get());
        assertTrue(mostOnDisk.get() <= BUDGET, "at most " + BUDGET + " bytes of images, seen " + mostOnDisk.get());
    }

    /** A session whose program holds {@code mib} MiB, every page touched. */
    private static String holding(int mib) {
        String id = SessionsUnderTest.openSession(Map.of("limits", Map.of("memoryMb", 512)));
        Response filled = SessionsUnderTest.cellResponse(id, "data = bytes(range(256)) * (" + mib + " * 4096)");
        assertEquals("ok", filled.jsonPath().getString("status"), filled.asString());
        return id;
    }

    private static void awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> state.equals(given().get("/v1/sessions/" + id).jsonPath().getString("state")));
    }

    private static long onDisk() {
        if (!Files.isDirectory(IMAGES)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(IMAGES)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a file went away while it was walked
        }
    }
}
