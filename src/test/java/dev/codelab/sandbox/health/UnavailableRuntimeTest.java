package dev.codelab.sandbox.health;

import dev.codelab.sandbox.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** Without a working runsc, readiness is down with a reason and executions get 503, not 500. */
@QuarkusTest
@Tag("sandbox")
@TestProfile(UnavailableRuntimeTest.MissingRunsc.class)
class UnavailableRuntimeTest {

    public static class MissingRunsc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codelab.sandbox.runsc", "/nonexistent/runsc");
        }
    }

    @Test
    void readinessIsDownAndExecutionsAre503() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Api.management().get("/q/health/started").statusCode() == 200);
        Api.management().get("/q/health/live").then().statusCode(200);
        Api.management().get("/q/health/ready").then().statusCode(503)
                .body("checks[0].data.reason", is("runsc is not installed or does not run"));
        given().contentType(ContentType.JSON).body("{\"code\": \"print(1)\"}").post("/v1/executions")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .body("detail", containsString("runsc is not installed"))
                .body(not(containsString("/nonexistent")));
    }
}
