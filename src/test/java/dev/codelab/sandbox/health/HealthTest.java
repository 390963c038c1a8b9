package dev.codelab.sandbox.health;

import dev.codelab.sandbox.Api;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

@QuarkusTest
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
        Api.run("print(1)");
        Api.management().get("/q/metrics").then().statusCode(200)
                .body(containsString("codelab_executions_total{language=\"python\",status=\"ok\"}"))
                .body(containsString("codelab_executions_running"))
                .body(containsString("codelab_execution_duration_seconds_bucket"));
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
