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
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

@QuarkusTest
@Tag("sandbox")
@TestProfile(MissingImageTest.NoImage.class)
class MissingImageTest {

    public static class NoImage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codelab.runtime.python.rootfs", "/nonexistent/rootfs");
        }
    }

    @Test
    void readinessNamesTheMissingImage() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Api.management().get("/q/health/started").statusCode() == 200);
        Api.management().get("/q/health/ready").then().statusCode(503)
                .body("checks[0].data.reason", is("the python sandbox image is missing"));
        given().contentType(ContentType.JSON).body("{\"code\": \"\"}").post("/v1/executions")
                .then().statusCode(503).body(not(containsString("/nonexistent")));
    }
}
