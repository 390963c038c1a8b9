package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.codelab.sandbox.Api.run;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Warm profiles: a run's imports pick its checkpoint, a request may name one, a session keeps its own. */
@QuarkusTest
@Tag("sandbox")
class WarmProfilesTest extends RealSandboxTest {

    /** Whether the cell's sandbox had sklearn imported before the cell's own imports ran. */
    private static final String PRELOADED = "import sys\npreloaded = 'sklearn.linear_model' in sys.modules\n";

    @Test
    void aCellImportingSklearnRunsOnTheMlProfileWithSklearnPreloaded() throws IOException {
        JsonPath fit = run(PRELOADED + """
                import numpy as np
                from sklearn.linear_model import LinearRegression
                model = LinearRegression().fit(np.arange(10).reshape(-1, 1), 3 * np.arange(10) + 1)
                print(preloaded, round(model.coef_[0], 3))
                """);
        assertEquals("True 3.0\n", fit.getString("stdout"), fit.getString("stderr"));
        assertEquals("ml", fit.getString("profile"));
        assertNotEquals("cold", fit.getString("usage.sandboxStart"));
        String audit = Files.readString(Path.of("target/audit.log"));
        assertTrue(audit.lines().anyMatch(line -> line.contains(fit.getString("id")) && line.contains("\"profile\":\"ml\"")),
                "the audit line names the profile");

        JsonPath plain = run(PRELOADED + "print(preloaded)");
        assertEquals("False\n", plain.getString("stdout"), "a cell without such imports runs on the base profile");
        assertEquals("base", plain.getString("profile"));
    }

    @Test
    void aRequestMayNameItsProfile() {
        JsonPath named = run(PRELOADED + "print(preloaded)", "profile", "ml");
        assertEquals("True\n", named.getString("stdout"), named.getString("stderr"));
        JsonPath base = run(PRELOADED + "import seaborn\nprint(preloaded)", "profile", "base");
        assertEquals("False\n", base.getString("stdout"), "a named profile wins over the imports; the rest imports on demand");
        assertEquals("base", base.getString("profile"));
    }

    @Test
    void aRunWhoseMemoryLimitTheMlProfileDoesNotFitTakesBaseAndANamedMlIsRefused() {
        run(PRELOADED + "print(preloaded)", "profile", "ml"); // the ml profile's sandboxes are measured
        JsonPath small = run(PRELOADED + "if False:\n    import sklearn\nprint(preloaded)", "limits", Api.limits("memoryMb", 8));
        assertEquals("False\n", small.getString("stdout"), small.getString("stderr"));
        assertEquals("base", small.getString("profile"), "its imports pick ml, whose restored sandboxes hold more than 8 MiB allow");
        assertNotEquals("cold", small.getString("usage.sandboxStart"), "base's sandboxes fit: no ml sandbox was wasted on it");

        given().contentType(ContentType.JSON).body(Api.request("print(1)", "profile", "ml", "limits", Api.limits("memoryMb", 8)))
                .post("/v1/executions")
                .then().statusCode(400).contentType("application/problem+json")
                .body("field", is("limits.memoryMb")).body("detail", containsString("profile 'ml' needs at least"));
    }

    @Test
    void anUnknownProfileIsABadRequestNamingTheAllowedOnes() {
        given().contentType(ContentType.JSON).body(Map.of("profile", "gpu")).post("/v1/sessions")
                .then().statusCode(400).contentType("application/problem+json")
                .body("field", is("profile")).body("detail", containsString("allowed: base, ml"));
    }

    @Test
    void runtimesListEachProfileWithWhatItPreloads() {
        JsonPath runtimes = given().get("/v1/runtimes").jsonPath();
        assertEquals(List.of("base", "ml"), runtimes.getList("[0].profiles.name"));
        List<String> ml = runtimes.getList("[0].profiles[1].preloads");
        assertTrue(ml.containsAll(runtimes.getList("[0].profiles[0].preloads")), "ml preloads what base does, and more");
        assertTrue(ml.contains("sklearn.linear_model"), ml.toString());
        assertTrue(runtimes.getList("[0].profiles[1].pickedBy").contains("sklearn"));
    }

    @Test
    void aSessionOpenedOnMlKeepsItThroughHibernation() {
        String id = given().contentType(ContentType.JSON).body(Map.of("profile", "ml")).post("/v1/sessions")
                .then().statusCode(201).extract().jsonPath().getString("id");
        try {
            JsonPath first = cell(id, PRELOADED + "x = 41\nprint(preloaded)");
            assertEquals("True\n", first.getString("stdout"), first.getString("stderr"));
            assertEquals("ml", first.getString("profile"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "hibernated".equals(given().get("/v1/sessions/" + id).jsonPath().getString("state")));
            assertEquals("ml", given().get("/v1/sessions/" + id).jsonPath().getString("profile"));
            JsonPath resumed = cell(id, "print(x + 1, 'sklearn.linear_model' in sys.modules)");
            assertEquals("42 True\n", resumed.getString("stdout"), resumed.getString("stderr"));
            assertEquals("ml", resumed.getString("profile"));
            assertEquals("ml", given().get("/v1/sessions/" + id).jsonPath().getString("profile"));
        } finally {
            given().delete("/v1/sessions/" + id);
        }
    }

    @Test
    void aSessionOpenedWithoutAProfileTakesTheOneItsFirstCellImportsPick() {
        String id = open(Map.of());
        try {
            assertEquals("base", given().get("/v1/sessions/" + id).jsonPath().getString("profile"));
            JsonPath first = cell(id, PRELOADED + "import sklearn\nx = 41\nprint(preloaded)");
            assertEquals("True\n", first.getString("stdout"), "the first cell ran on a kernel with sklearn preloaded");
            assertEquals("ml", first.getString("profile"));
            assertNotEquals("cold", first.getString("usage.sandboxStart"));
            assertEquals("ml", given().get("/v1/sessions/" + id).jsonPath().getString("profile"));
            JsonPath second = cell(id, "print(x + 1)");
            assertEquals("42\n", second.getString("stdout"), "the state of the first cell is the session's");
        } finally {
            given().delete("/v1/sessions/" + id);
        }
    }

    @Test
    void aSessionKeepsItsProfileWhenNamedOrOnceItsKernelWasUsed() {
        String named = open(Map.of("profile", "base"));
        String used = open(Map.of("files", List.of(Map.of("path", "data.csv", "content", "a,b\n1,2\n"))));
        try {
            JsonPath onNamed = cell(named, PRELOADED + "import sklearn\nprint(preloaded)");
            assertEquals("False\n", onNamed.getString("stdout"), "a named profile is kept");
            assertEquals("base", onNamed.getString("profile"));

            given().get("/v1/sessions/" + used + "/files").then().statusCode(200);
            JsonPath onUsed = cell(used, PRELOADED + "import sklearn\nprint(preloaded, open('data.csv').read())");
            assertEquals("False a,b\n1,2\n\n", onUsed.getString("stdout"), "a kernel something ran in stays");
            assertEquals("base", given().get("/v1/sessions/" + used).jsonPath().getString("profile"));
        } finally {
            given().delete("/v1/sessions/" + named);
            given().delete("/v1/sessions/" + used);
        }
    }

    private static String open(Map<String, Object> request) {
        return given().contentType(ContentType.JSON).body(request).post("/v1/sessions")
                .then().statusCode(201).extract().jsonPath().getString("id");
    }

    private static JsonPath cell(String id, String code) {
        return given().contentType(ContentType.JSON).body(Api.request(code)).post("/v1/sessions/" + id + "/executions")
                .then().statusCode(200).extract().jsonPath();
    }
}
