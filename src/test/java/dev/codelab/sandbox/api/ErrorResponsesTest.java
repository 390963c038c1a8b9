package dev.codelab.sandbox.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** Every bad request gets problem+json naming the field and what is allowed, and nothing leaks. */
@QuarkusTest
@Tag("sandbox")
class ErrorResponsesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing code                 | {}                                                          | code                  | required
            null body                    | null                                                        | body                  | required
            code of the wrong type       | {"code": 5}                                                 | code                  | expected a string
            unknown field                | {"code": "", "timeout": 5}                                  | timeout               | not a known field
            unknown limits field         | {"code": "", "limits": {"memory": 5}}                       | limits.memory         | not a known field
            unknown language             | {"code": "", "language": "cobol"}                           | language              | allowed: python
            language of the wrong type   | {"code": "", "language": ["python"]}                        | language              | expected a string
            unknown warm profile         | {"code": "", "profile": "gpu"}                              | profile               | allowed: base, ml
            timeout zero                 | {"code": "", "limits": {"timeoutMs": 0}}                    | limits.timeoutMs      | between 1 and 300000
            timeout over the max         | {"code": "", "limits": {"timeoutMs": 300001}}               | limits.timeoutMs      | between 1 and 300000
            timeout as text              | {"code": "", "limits": {"timeoutMs": "5"}}                  | limits.timeoutMs      | whole number
            timeout as a fraction        | {"code": "", "limits": {"timeoutMs": 1.5}}                  | limits.timeoutMs      | whole number
            cpus below one               | {"code": "", "limits": {"cpus": 0.5}}                       | limits.cpus           | between 1 and 2.0
            cpus over the max            | {"code": "", "limits": {"cpus": 3}}                         | limits.cpus           | between 1 and 2.0
            memory over the max          | {"code": "", "limits": {"memoryMb": 4096}}                  | limits.memoryMb       | between 1 and 2048
            pids negative                | {"code": "", "limits": {"pids": -1}}                        | limits.pids           | between 1 and 512
            output over the max          | {"code": "", "limits": {"outputBytes": 99999999999}}        | limits.outputBytes    | between 1 and 16777216
            disk zero                    | {"code": "", "limits": {"diskMb": 0}}                       | limits.diskMb         | between 1 and 1024
            absolute file path           | {"code": "", "files": [{"path": "/etc/x", "content": ""}]}  | files[0].path         | relative path
            parent file path             | {"code": "", "files": [{"path": "a/../../x", "content": ""}]} | files[0].path       | relative path
            empty file path              | {"code": "", "files": [{"path": "", "content": ""}]}        | files[0].path         | required
            missing file content         | {"code": "", "files": [{"path": "a"}]}                      | files[0].content      | required
            unknown encoding             | {"code": "", "files": [{"path": "a", "content": "", "encoding": "hex"}]} | files[0].encoding | utf-8, base64
            bad base64                   | {"code": "", "files": [{"path": "a", "content": "!!", "encoding": "base64"}]} | files[0].content | base64
            duplicate file path          | {"code": "", "files": [{"path": "a", "content": ""}, {"path": "a", "content": ""}]} | files[1].path | duplicate
            files not an array           | {"code": "", "files": {"path": "a"}}                        | files                 | expected an array
            bad env name                 | {"code": "", "env": {"1X": "y"}}                            | env                   | [A-Za-z_][A-Za-z0-9_]*
            env value not a string       | {"code": "", "env": {"X": 1}}                               | env.X                 | expected a string
            """)
    void badRequestsName(String title, String body, String field, String allowed) {
        problem(given().contentType(ContentType.JSON).body(body).post("/v1/executions").then(), 400)
                .body("field", is(field))
                .body("detail", allOf(containsString(field), containsString(allowed)));
    }

    @Test
    void malformedJson() {
        problem(given().contentType(ContentType.JSON).body("{\"code\": ").post("/v1/executions").then(), 400)
                .body("detail", containsString("not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a field given twice          | {"code": "print(1)", "code": "print(2)"}                 | code | twice
            a limit given twice          | {"code": "", "limits": {"timeoutMs": 1, "timeoutMs": 2}}  | limits.timeoutMs | twice
            a second value after it      | {"code": ""} {"code": "print(2)"}                        | body | one JSON object
            an array, not an object      | ["print(1)"]                                             | body | a JSON object
            """)
    void aBodyThatIsNotOneObjectIsNamed(String title, String body, String field, String detail) {
        problem(given().contentType(ContentType.JSON).body(body).post("/v1/executions").then(), 400)
                .body("field", is(field)).body("detail", containsString(detail))
                .body(not(containsString("dev.codelab"))).body(not(containsString("java.")));
    }

    @Test
    void aBodyThatIsNotUtf8IsNamedSo() {
        byte[] latin1 = "{\"code\": \"print('caf\u00e9')\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        problem(given().contentType(ContentType.JSON).body(latin1).post("/v1/executions").then(), 400)
                .body("detail", containsString("not UTF-8"));
    }

    @Test
    void codeOverItsCap() {
        String big = "{\"code\": \"" + "#".repeat(1024 * 1024 + 1) + "\"}";
        problem(given().contentType(ContentType.JSON).body(big).post("/v1/executions").then(), 400)
                .body("field", is("code")).body("detail", containsString("1048576"));
    }

    @Test
    void bodyOverTheLimitIs413() {
        byte[] body = new byte[17 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) ' ');
        problem(given().contentType(ContentType.JSON).body(body).post("/v1/executions").then(), 413)
                .body("detail", containsString("at most"));
    }

    @Test
    void aUriOverTheLimitIs414() {
        problem(given().get("/v1/sessions/" + "x".repeat(UriLengthFilter.MAX_URI_CHARS)).then(), 414)
                .body("detail", containsString(String.valueOf(UriLengthFilter.MAX_URI_CHARS)));
    }

    @Test
    void wrongContentTypeIs415() {
        problem(given().contentType(ContentType.TEXT).body("print(1)").post("/v1/executions").then(), 415)
                .body("detail", containsString("application/json"));
    }

    @Test
    void unservableAcceptIs406() {
        problem(given().contentType(ContentType.JSON).accept("image/png").body("{\"code\": \"\"}")
                .post("/v1/executions").then(), 406)
                .body("detail", allOf(containsString("text/event-stream"), containsString("application/x-ndjson")));
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        problem(given().get("/v1/nothing").then(), 404);
        problem(given().delete("/v1/runtimes").then(), 405).header("Allow", containsString("GET"));
        problem(given().get("/v1/executions").then(), 405).header("Allow", containsString("POST"));
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status) {
        return response.statusCode(status)
                .contentType(startsWith("application/problem+json"))
                .body("status", is(status))
                .body("type", startsWith("urn:codelab:problem:"))
                .body("title", not(is("")))
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")))
                .body(not(containsString("/work/")))
                .body(not(containsString("/var/cache")));
    }
}
