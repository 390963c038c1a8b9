package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pod-sized memory budget over real HTTP and real sandboxes: what does not fit waits or gets 429. */
@QuarkusTest
@Tag("sandbox")
@TestProfile(SmallPod.class)
class MemoryAdmissionTest extends RealSandboxTest {

    /** Holds 512 MiB for real for a second: the budget is about memory the runs use. */
    static final long RUN_2048 = (2048L + 96) << 20;
    static final String HOLD_MEMORY = "import time\nb = b'x' * (512 << 20)\ntime.sleep(1)\nprint(len(b) >> 20)";

    private static Response post(Object body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/executions");
    }

    /** What the admitted runs hold now, from the service's gauge. */
    private static long reservedBytes() {
        String metrics = Api.management().get("/q/metrics").asString();
        Matcher gauge = Pattern.compile("(?m)^codelab_admission_memory_reserved_bytes (\\S+)$").matcher(metrics);
        assertTrue(gauge.find(), metrics);
        return (long) Double.parseDouble(gauge.group(1));
    }

    @Test
    void requestsOf2048MiBBeyondTheBudgetGet429sAndNeverHoldMoreThanIt() {
        // A run of another test holds its reservation until its answer has left, a moment after its client has it.
        await().atMost(Duration.ofSeconds(20)).until(() -> reservedBytes() == 0);
        AtomicBoolean bursting = new AtomicBoolean(true);
        AtomicLong mostHeld = new AtomicLong();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (bursting.get()) {
                mostHeld.accumulateAndGet(reservedBytes(), Math::max);
                Api.sleep(50);
            }
        });
        List<Response> burst = Api.concurrently(8, i -> post(Api.request(HOLD_MEMORY,
                "limits", Api.limits("memoryMb", 2048))));
        int ok = 0;
        int rejected = 0;
        for (Response response : burst) {
            if (response.statusCode() == 200) {
                ok++;
                response.then().body("status", is("ok")).body("stdout", is("512\n"));
            } else {
                assertEquals(429, response.statusCode(), response.asString());
                response.then().header("Retry-After", org.hamcrest.Matchers.notNullValue())
                        .body("detail", containsString("of 4400 MiB"));
                rejected++;
            }
        }
        bursting.set(false);
        watcher.join();
        assertTrue(ok >= 2, "two fit at once, and the queue is served: " + ok);
        assertTrue(rejected >= 1, "the rest are turned away at once: " + rejected);
        assertEquals(2 * RUN_2048, mostHeld.get(), "two runs of 2048 + 96 MiB filled the budget, never three");
        await().atMost(Duration.ofSeconds(20)).until(() -> reservedBytes() == 0); // freed as each sandbox ends
        double budgetBytes = (long) SmallPod.BUDGET_MB << 20;
        assertTrue(Api.management().get("/q/metrics").asString()
                .contains("codelab_admission_memory_budget_bytes " + budgetBytes));
        post(Map.of("code", "print(1)")).then().statusCode(200).body("stdout", is("1\n"));
    }

    @Test
    void aRequestThatCanNeverFitIs400NamingTheLimit() {
        post(Api.request("print(1)", "limits", Api.limits("memoryMb", 6000))).then().statusCode(400)
                .contentType("application/problem+json")
                .body("field", is("limits.memoryMb"))
                .body("detail", containsString("must be between 1 and 4304"))
                .body("detail", containsString("4400 MiB for all running executions"));
        post(Api.request("print(1)", "limits", Api.limits("memoryMb", 4304))).then().statusCode(200)
                .body("status", is("ok"));
    }

    @Test
    void runtimesShowTheMostThatFits() {
        given().get("/v1/runtimes").then().statusCode(200).body("[0].limits.max.memoryMb", is(4304));
    }
}
