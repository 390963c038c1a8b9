package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend's one key acting for its students (X-Codelab-User): one student's fork bombs throttle
 * that student, never the others; sessions belong to the student; the abuse view names who did it.
 */
@QuarkusTest
@Tag("sandbox")
@TestProfile(Multitenant.class)
class DelegationTest extends RealSandboxTest {

    private static final Map<String, Object> FORK_BOMB = Map.of("code", "import os\nwhile True:\n    os.fork()",
            "limits", Map.of("pids", 16, "memoryMb", 1024));

    private static RequestSpecification as(String key, String user) {
        RequestSpecification request = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
        return user == null ? request : request.header(EndUsers.HEADER, user);
    }

    @Test
    void aKeyThatMayNotDelegateCannotNameAUser() {
        Response refused = as(Multitenant.OPEN_KEY, "alice").body(Api.request("print(1)")).post("/v1/executions");
        assertEquals(400, refused.statusCode(), refused.asString());
        assertEquals("application/problem+json", refused.contentType().split(";")[0]);
        assertEquals(EndUsers.HEADER, refused.jsonPath().getString("field"));
        Response tooLong = as(Multitenant.PLATFORM_KEY, "x".repeat(129)).body(Api.request("print(1)")).post("/v1/executions");
        assertEquals(400, tooLong.statusCode(), tooLong.asString());
        assertTrue(tooLong.jsonPath().getString("detail").contains("1 to 128 printable ASCII"), tooLong.asString());
    }

    @Test
    void oneStudentsForkBombsThrottleThatStudentOnly() {
        // users of this run only: the state dir keeps sessions a failed earlier run left hibernated
        String run = UUID.randomUUID().toString().substring(0, 8);
        String studentA = "student-a-" + run;
        String studentB = "student-b-" + run;
        Response opened = as(Multitenant.PLATFORM_KEY, studentB).body(Map.of()).post("/v1/sessions");
        assertEquals(201, opened.statusCode(), opened.asString());
        String bobs = opened.jsonPath().getString("id");
        Response second = as(Multitenant.PLATFORM_KEY, studentB).body(Map.of()).post("/v1/sessions");
        assertEquals(429, second.statusCode(), "perUser.maxOpenSessions 1: " + second.asString());
        assertTrue(second.jsonPath().getString("detail").startsWith("user '" + studentB + "' of this API key holds 1"),
                second.asString());

        for (int i = 0; i < 10; i++) { // codelab.admission.abuse.max-limit-hits in this profile
            JsonPath bomb = as(Multitenant.PLATFORM_KEY, studentA).body(FORK_BOMB).post("/v1/executions").jsonPath();
            assertEquals("process_limit", bomb.getString("status"), bomb.prettify());
        }
        Response throttled = as(Multitenant.PLATFORM_KEY, studentA).body(Api.request("print(1)")).post("/v1/executions");
        assertEquals(429, throttled.statusCode(), throttled.asString());
        assertTrue(throttled.jsonPath().getString("detail").startsWith("throttled: user '" + studentA + "' of this API key"),
                throttled.asString());
        assertNotNull(throttled.header("Retry-After"));

        JsonPath other = as(Multitenant.PLATFORM_KEY, studentB).body(Api.request("print(2)")).post("/v1/executions").jsonPath();
        assertEquals("2\n", other.getString("stdout"), "another student of the key runs on: " + other.prettify());
        JsonPath cell = as(Multitenant.PLATFORM_KEY, studentB).body(Api.request("print(3)"))
                .post("/v1/sessions/" + bobs + "/executions").jsonPath();
        assertEquals("3\n", cell.getString("stdout"), cell.prettify());
        JsonPath itself = as(Multitenant.PLATFORM_KEY, null).body(Api.request("print(4)")).post("/v1/executions").jsonPath();
        assertEquals("4\n", itself.getString("stdout"), "and so does the key acting as itself");

        assertEquals(404, as(Multitenant.PLATFORM_KEY, studentA).get("/v1/sessions/" + bobs).statusCode(),
                "a session is its student's: another student of the same key does not see it");
        assertEquals(404, as(Multitenant.PLATFORM_KEY, null).get("/v1/sessions/" + bobs).statusCode(),
                "nor does the key acting as itself");

        JsonPath view = Api.management().get("/q/codelab/abuse").jsonPath();
        // other tests' subjects may be listed too (one service for the whole suite): only users are ours
        assertEquals(List.of(studentA), view.getList("throttled.findAll { it.user != null }.user"), view.prettify());
        String hitsOfA = "mostLimitHits.find { it.tenant == 'platform' && it.user == '" + studentA + "' }";
        assertEquals(10, view.getInt(hitsOfA + ".activity.limitHits"), view.prettify());
        assertEquals(10, view.getInt(hitsOfA + ".activity.runs"), view.prettify());
        assertTrue(Api.metric("codelab_throttled_subjects{kind=\"user\"}") >= 1);
        assertEquals(400, Api.management().get("/q/codelab/abuse?top=0").statusCode());
        assertEquals(204, as(Multitenant.PLATFORM_KEY, studentB).delete("/v1/sessions/" + bobs).statusCode());
    }
}
