package dev.codelab.sandbox.health;

import dev.codelab.sandbox.Api;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@Tag("sandbox")
class HealthTest {

    @BeforeEach
    void ready() {
        Api.awaitReady();
    }

    @Test
    void probesAreUp() {
        Api.management().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        Api.management().get("/q/health/started").then().statusCode(200).body("status", is("UP"));
        Api.management().get("/q/health/ready").then().statusCode(200).body("status", is("UP"))
                .body("checks[0].name", is("sandbox runtime"));
    }

    @Test
    void operationsAreNotServedOnTheApiPort() {
        for (String path : new String[]{"/q/health/ready", "/q/metrics", "/q/openapi"}) {
            given().get(path).then().statusCode(404);
            Api.management().get(path).then().statusCode(200);
        }
    }

    @Test
    void metricsCountExecutions() {
        String ok = "codelab_executions_total{language=\"python\",status=\"ok\"}";
        String errors = "codelab_executions_total{language=\"python\",status=\"error\"}";
        String durations = "codelab_execution_duration_seconds_count{language=\"python\"}";
        double okBefore = Api.metric(ok);
        double errorsBefore = Api.metric(errors);
        double durationsBefore = Api.metric(durations);
        Api.run("print(1)");
        Api.run("print(1)");
        Api.run("raise SystemExit(2)");
        // the canary that readiness runs every minute may add one ok run meanwhile
        double okRuns = Api.metric(ok) - okBefore;
        assertTrue(okRuns == 2 || okRuns == 3, "two ok runs counted: " + okRuns);
        assertEquals(1, Api.metric(errors) - errorsBefore);
        assertTrue(Api.metric(durations) - durationsBefore >= 3);
        Api.management().get("/q/metrics").then().statusCode(200).body(containsString("codelab_executions_running"));
    }

    @Test
    void everyMetricOfTheServiceReadsANumber() {
        Api.run("print(1)");
        java.util.List<String> broken = Api.management().get("/q/metrics").asString().lines()
                .filter(line -> line.startsWith("codelab_"))
                .filter(line -> !Double.isFinite(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))))
                .toList();
        assertEquals(java.util.List.of(), broken, "a gauge on a collected object reads NaN");
    }

    @Test
    void openApiDescribesTheApi() {
        Api.management().get("/q/openapi").then().statusCode(200)
                .body(containsString("/v1/executions"))
                .body(containsString("/v1/runtimes"))
                .body(containsString("text/event-stream"))
                .body(containsString("application/x-ndjson"))
                .body(containsString("application/problem+json"))
                .body(containsString("Retry-After"))
                .body(containsString("\"429\""))
                .body(containsString("memory_limit"))
                .body(containsString("bearer"));
    }
}
