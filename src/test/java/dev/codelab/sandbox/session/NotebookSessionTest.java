package dev.codelab.sandbox.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A typical course notebook, cell by cell, through a real session over HTTP: each cell's ordered
 * `outputs` must be what the cell produced, in the order it produced it.
 */
@QuarkusTest
@Tag("sandbox")
class NotebookSessionTest extends SessionsUnderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private String id;

    private JsonPath notebookCell(String code, Object... fields) {
        return SessionsUnderTest.cell(id, code, fields);
    }

    private static List<Map<String, Object>> outputs(JsonPath cell) {
        return cell.getList("outputs");
    }

    private static Map<String, Object> stream(String name, String text) {
        return Map.of("type", "stream", "name", name, "text", text);
    }

    private static Map<String, Object> result(String text) {
        return Map.of("type", "result", "data", Map.of("text/plain", text));
    }

    @Test
    void aCourseNotebookShowsWhatEachCellProducedInOrder() throws Exception {
        // as a student goes: magics, a progress bar, an updated display, a plot, a fit, an error, an
        // interrupt, notebook syntax this kernel refuses, a JSON chart, then files and a restart
        id = open(Map.of());
        JsonPath setup = notebookCell("%matplotlib inline\nimport numpy as np, pandas as pd\nimport matplotlib.pyplot as plt\n"
                + "x = 41\nx;");
        assertEquals(List.of(), outputs(setup), setup.prettify());
        assertNull(setup.get("result"), "a trailing ; hides the value");
        assertEquals(List.of(result("42")), outputs(notebookCell("x + 1")));

        JsonPath progress = notebookCell("from tqdm.auto import tqdm\nfor i in tqdm(range(3), mininterval=0):\n    pass\n"
                + "print('trained')");
        List<Map<String, Object>> shown = outputs(progress);
        assertEquals(2, shown.size(), progress.prettify());
        assertEquals("stderr", shown.get(0).get("name"));
        String bar = (String) shown.get(0).get("text");
        assertTrue(bar.matches("(?s)(\r[^\r\n]*){3,}\r100%\\|[^\r\n]*\\| 3/3 [^\r\n]*\n"), bar);
        assertEquals(stream("stdout", "trained\n"), shown.get(1));

        JsonPath updated = notebookCell("h = display('epoch 0', display_id=True)\nfor e in (1, 2):\n    h.update(f'epoch {e}')\n"
                + "print('done')");
        String displayId = updated.getString("displays[0].displayId");
        assertEquals(List.of(Map.of("type", "display", "data", Map.of("text/plain", "'epoch 2'"), "displayId", displayId),
                stream("stdout", "done\n")), outputs(updated));
        assertEquals("'epoch 2'", updated.getString("displays[0].data.'text/plain'"), "the display's latest data");

        JsonPath cleared = notebookCell("print('old')\nfrom IPython.display import clear_output\nclear_output(wait=True)\n"
                + "print('new')");
        assertEquals(List.of(stream("stdout", "new\n")), outputs(cleared));
        assertEquals("old\nnew\n", cleared.getString("stdout"), "stdout is every byte printed");

        JsonPath plot = notebookCell("plt.plot([1, 3, 2]);\nplt.title('t');");
        assertEquals(1, outputs(plot).size(), plot.prettify());
        assertEquals("figure", outputs(plot).get(0).get("type"));
        assertEquals(plot.getString("figures[0].data"), outputs(plot).get(0).get("data"));
        assertNull(plot.get("result"));

        JsonPath fit = notebookCell("from sklearn.linear_model import LinearRegression\nX = np.arange(10).reshape(-1, 1)\n"
                + "m = LinearRegression().fit(X, 3 * X.ravel() + 1)\nprint(round(m.coef_[0], 3))\nround(m.intercept_, 3)");
        assertEquals(List.of(stream("stdout", "3.0\n"), result("1.0")), outputs(fit), fit.getString("stderr"));

        JsonPath failed = notebookCell("print('before')\n%time y = 1 / 0");
        List<String> traceback = List.of("Traceback (most recent call last):", "  File \"<cell>\", line 2, in <module>",
                "    %time y = 1 / 0");
        assertEquals("error", failed.getString("status"));
        assertEquals("ZeroDivisionError", failed.getString("error.ename"));
        assertEquals(traceback, failed.getList("error.traceback").subList(0, 3), failed.prettify());
        assertEquals("ZeroDivisionError: division by zero", failed.getList("error.traceback", String.class)
                .get(failed.getList("error.traceback").size() - 1));
        assertEquals(List.of("stream", "error"), outputs(failed).stream().map(o -> o.get("type")).toList());
        assertTrue(((String) outputs(failed).get(0).get("text")).startsWith("before\nCPU times: "), failed.prettify());
        assertEquals(failed.getMap("error"), Map.of("ename", "ZeroDivisionError", "evalue", "division by zero",
                "traceback", outputs(failed).get(1).get("traceback")));
        assertTrue(failed.getString("stderr").endsWith("ZeroDivisionError: division by zero\n"), "on stderr too");

        JsonPath interrupted = notebookCell("import time\nwhile True:\n    time.sleep(0.05)", "limits", Map.of("timeoutMs", 1500));
        assertEquals("timeout", interrupted.getString("status"));
        assertEquals("KeyboardInterrupt", interrupted.getString("error.ename"));
        assertEquals("error", outputs(interrupted).get(outputs(interrupted).size() - 1).get("type"));
        assertEquals("active", interrupted.getString("session.state"));

        JsonPath pip = notebookCell("%pip install seaborn");
        assertEquals(List.of("UsageError"), pip.getList("outputs.ename"));
        assertTrue(pip.getString("error.evalue").contains("packages come from the sandbox's image"), pip.prettify());

        JsonPath chart = notebookCell("class Chart:\n    def _repr_mimebundle_(self, include=None, exclude=None):\n"
                + "        return {'application/vnd.vegalite.v5+json': {'mark': 'bar', 'data': {'values': [1]}}}\nChart()");
        assertEquals(Map.of("mark", "bar", "data", Map.of("values", List.of(1))),
                chart.getMap("result.'application/vnd.vegalite.v5+json'"), chart.prettify());
        assertEquals("active", chart.getString("session.state"), "a JSON bundle holding an object ends nothing");
        assertEquals(List.of(result("41")), outputs(notebookCell("x")), "the kernel kept its state through it all");

        notebookCell("pd.DataFrame({'x': [1, 2]}).to_csv('results.csv', index=False)");
        assertEquals(List.of(Map.of("path", "results.csv", "size", 6)),
                given().get("/v1/sessions/" + id + "/files").jsonPath().getList("files"), "the file list");
        assertEquals("x\n1\n2\n", given().get("/v1/sessions/" + id + "/files/results.csv").asString(), "its download");
        assertEquals(0, given().post("/v1/sessions/" + id + "/restart").jsonPath().getInt("cells"));
        JsonPath fresh = notebookCell("import os\nprint('x' in globals(), os.listdir('.'))");
        assertEquals(List.of(stream("stdout", "False []\n")), outputs(fresh), "a restart: a fresh kernel, no files");
    }

    @Test
    void streamsCarryUpdatesClearsResultsErrorsAndPartialLines() throws Exception {
        id = open(Map.of());
        String lines = given().contentType(ContentType.JSON).accept("application/x-ndjson")
                .body(Api.request("import time\nprint('.', end='')\ntime.sleep(1)\nprint('!')\n"
                        + "h = display('a', display_id='p')\nh.update('b')\nfrom IPython.display import clear_output\n"
                        + "clear_output(wait=True)\n7"))
                .post("/v1/sessions/" + id + "/executions").then().statusCode(200).extract().asString();
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines.split("\n")) {
            events.add(JSON.readTree(line));
        }
        List<String> types = events.stream().map(event -> event.get("type").asText()).toList();
        assertEquals(List.of("started", "stdout", "stdout", "display", "display", "clear", "result", "done"), types, lines);
        assertEquals(".", events.get(1).get("data").asText(), "a partial line is sent before its line ends");
        assertEquals(JSON.readTree("{\"type\":\"display\",\"data\":{\"text/plain\":\"'b'\"},\"displayId\":\"p\",\"update\":true}"),
                events.get(4));
        assertEquals(JSON.readTree("{\"type\":\"clear\",\"wait\":true}"), events.get(5));
        assertEquals(JSON.readTree("{\"type\":\"result\",\"data\":{\"text/plain\":\"7\"}}"), events.get(6));
        assertTrue(events.get(7).path("outputs").isMissingNode(), "streams carry no outputs: their events are them");

        String sse = given().contentType(ContentType.JSON).accept("text/event-stream").body(Api.request("raise KeyError('k')"))
                .post("/v1/sessions/" + id + "/executions").then().statusCode(200).extract().asString();
        assertTrue(sse.matches("(?s).*event: ?stderr\ndata: ?\\{\"data\":\"Traceback.*event: ?error\ndata: ?"
                + "\\{\"ename\":\"KeyError\",\"evalue\":\"'k'\",\"traceback\":\\[.*event: ?done.*"), sse);
    }
}
