package dev.codelab.sandbox.session;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What session suites share: sessions opened through the API, their cells, and none left after a test. */
abstract class SessionsUnderTest extends RealSandboxTest {

    private final List<String> opened = new ArrayList<>();

    /** Opens a session that the caller deletes. */
    static String openSession(Object body) {
        Response created = given().contentType(ContentType.JSON).body(body).post("/v1/sessions");
        assertEquals(201, created.statusCode(), created.asString());
        String id = created.jsonPath().getString("id");
        assertEquals("/v1/sessions/" + id, created.header("Location"), "relative, as API.md writes it");
        assertEquals("active", created.jsonPath().getString("state"));
        return id;
    }

    /** Opens a session deleted after the test. */
    String open(Object body) {
        String id = openSession(body);
        opened.add(id);
        return id;
    }

    String open() {
        return open(Map.of());
    }

    static Response cellResponse(String id, String code, Object... fields) {
        return given().contentType(ContentType.JSON).body(Api.request(code, fields)).post("/v1/sessions/" + id + "/executions");
    }

    static JsonPath cell(String id, String code, Object... fields) {
        Response response = cellResponse(id, code, fields);
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }

    @AfterEach
    void deleteSessions() {
        opened.forEach(id -> given().delete("/v1/sessions/" + id));
        Api.assertNoSandboxLeft(Duration.ofSeconds(20));
    }
}
