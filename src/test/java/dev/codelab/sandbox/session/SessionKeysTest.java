package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import dev.codelab.sandbox.admission.Multitenant;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A session belongs to the key that opened it: to every other key it does not exist. */
@QuarkusTest
@Tag("sandbox")
@TestProfile(Multitenant.class)
class SessionKeysTest extends RealSandboxTest {

    private static Response as(String key, String method, String path, Object body) {
        var request = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
        return body == null ? request.request(method, path) : request.body(body).request(method, path);
    }

    @Test
    void anotherKeysSessionIsNotFound() {
        Response created = as(Multitenant.OPEN_KEY, "POST", "/v1/sessions", Map.of());
        assertEquals(201, created.statusCode(), created.asString());
        String path = "/v1/sessions/" + created.jsonPath().getString("id");
        assertEquals(200, as(Multitenant.OPEN_KEY, "POST", path + "/executions", Api.request("x = 1")).statusCode());
        assertEquals(404, as(Multitenant.ABUSER_KEY, "GET", path, null).statusCode());
        assertEquals(404, as(Multitenant.ABUSER_KEY, "POST", path + "/executions", Api.request("print(x)")).statusCode());
        assertEquals(404, as(Multitenant.ABUSER_KEY, "DELETE", path, null).statusCode());
        for (String method : List.of("GET", "PUT", "DELETE")) {
            assertEquals(404, as(Multitenant.ABUSER_KEY, method, path + "/files/a.txt", method.equals("PUT") ? "x" : null)
                    .statusCode(), "files: " + method);
        }
        assertEquals(404, as(Multitenant.ABUSER_KEY, "GET", path + "/files", null).statusCode());
        assertEquals(401, given().get(path).statusCode(), "no key, no session");
        assertEquals(204, as(Multitenant.OPEN_KEY, "DELETE", path, null).statusCode());
    }

    @Test
    void aKeyHoldsAtMostItsShareOfSessions() {
        java.util.List<String> ids = new java.util.ArrayList<>();
        Response next = as(Multitenant.OPEN_KEY, "POST", "/v1/sessions", Map.of());
        while (next.statusCode() == 201 && ids.size() < 10) {
            ids.add(next.jsonPath().getString("id"));
            next = as(Multitenant.OPEN_KEY, "POST", "/v1/sessions", Map.of());
        }
        assertEquals(429, next.statusCode(), next.asString());
        assertEquals(4, ids.size(), "codelab.session.max-per-key");
        ids.forEach(id -> as(Multitenant.OPEN_KEY, "DELETE", "/v1/sessions/" + id, null));
    }

    @Test
    void aKeysFileEntryOverridesTheSessionsItMayHold() {
        Response first = as(Multitenant.ONE_SESSION_KEY, "POST", "/v1/sessions", Map.of());
        assertEquals(201, first.statusCode(), first.asString());
        Response second = as(Multitenant.ONE_SESSION_KEY, "POST", "/v1/sessions", Map.of());
        assertEquals(429, second.statusCode(), "maxSessions 1 in the keys file: " + second.asString());
        assertTrue(second.jsonPath().getString("detail").contains("holds 1 open sessions"), second.asString());
        String id = first.jsonPath().getString("id");
        assertEquals(java.util.List.of(id), as(Multitenant.ONE_SESSION_KEY, "GET", "/v1/sessions", null)
                .jsonPath().getList("sessions.id"), "the list holds the key's own sessions only");
        assertTrue(!as(Multitenant.OPEN_KEY, "GET", "/v1/sessions", null).jsonPath().getList("sessions.id").contains(id));
        assertEquals(404, as(Multitenant.OPEN_KEY, "POST", "/v1/sessions/" + id + "/restart", null).statusCode());
        assertEquals(404, as(Multitenant.OPEN_KEY, "POST", "/v1/sessions/" + id + "/interrupt", null).statusCode());
        assertEquals(204, as(Multitenant.ONE_SESSION_KEY, "DELETE", "/v1/sessions/" + id, null).statusCode());
    }

    @Test
    void cellsCountTowardTheKeysRate() {
        Response created = as(Multitenant.CELLS_RATED_KEY, "POST", "/v1/sessions", Map.of()); // 1 of 3 a minute
        assertEquals(201, created.statusCode(), created.asString());
        String path = "/v1/sessions/" + created.jsonPath().getString("id");
        assertEquals(200, as(Multitenant.CELLS_RATED_KEY, "POST", path + "/executions", Api.request("x = 1")).statusCode());
        assertEquals(200, as(Multitenant.CELLS_RATED_KEY, "POST", path + "/executions", Api.request("x += 1")).statusCode());
        Response over = as(Multitenant.CELLS_RATED_KEY, "POST", path + "/executions", Api.request("x += 1"));
        assertEquals(429, over.statusCode(), "a session's cells pass the same rate as runs: " + over.asString());
        assertTrue(over.header("Retry-After") != null);
        assertEquals(204, as(Multitenant.CELLS_RATED_KEY, "DELETE", path, null).statusCode());
    }

    @Test
    void aKeyThrottledForItsCellsRunsNoMoreCells() {
        Response created = as(Multitenant.CELLS_ABUSER_KEY, "POST", "/v1/sessions", Map.of());
        String path = "/v1/sessions/" + created.jsonPath().getString("id");
        for (int i = 0; i < 10; i++) { // codelab.admission.abuse.max-limit-hits in this profile
            Response spin = as(Multitenant.CELLS_ABUSER_KEY, "POST", path + "/executions",
                    Map.of("code", "while True: pass", "limits", Map.of("timeoutMs", 100)));
            assertEquals("timeout", spin.jsonPath().getString("status"), spin.asString());
        }
        Response throttled = as(Multitenant.CELLS_ABUSER_KEY, "POST", path + "/executions", Api.request("print(1)"));
        assertEquals(429, throttled.statusCode(), throttled.asString());
        assertTrue(throttled.jsonPath().getString("detail").contains("throttled"), throttled.asString());
        assertEquals(204, as(Multitenant.CELLS_ABUSER_KEY, "DELETE", path, null).statusCode());
    }
}
