package dev.codelab.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSE and NDJSON deliver events while the program runs, and a disconnect ends the sandbox. */
@QuarkusTest
@Tag("sandbox")
class StreamingTest extends RealSandboxTest {

    private static final String TICKER = """
            import time
            for i in range(3):
                print('tick', i)
                time.sleep(1)
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/v1/executions")
    URI executions;

    record Event(String type, JsonNode data, long atMs) {
    }

    @Test
    void ndjsonArrivesLive() throws Exception {
        List<Event> events = ndjson(TICKER);
        assertEquals(List.of("started", "stdout", "stdout", "stdout", "done"), events.stream().map(Event::type).toList());
        assertLive(events);
        JsonNode done = events.get(4).data();
        assertEquals("ok", done.get("status").asText());
        assertTrue(!done.has("stdout") && !done.has("stderr"), "done leaves the streamed output out");
        assertEquals(events.get(0).data().get("id"), done.get("id"));
    }

    @Test
    void sseArrivesLive() throws Exception {
        List<Event> events = new ArrayList<>();
        long start = System.nanoTime();
        try (BufferedReader reader = open(TICKER, "text/event-stream")) {
            String name = null;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    events.add(new Event(name, JSON.readTree(line.substring(5)), (System.nanoTime() - start) / 1_000_000));
                }
            }
        }
        assertEquals(List.of("started", "stdout", "stdout", "stdout", "done"), events.stream().map(Event::type).toList());
        assertEquals("tick 1\n", events.get(2).data().get("data").asText());
        assertLive(events);
    }

    @Test
    void figuresStreamAsEvents() throws Exception {
        List<Event> events = ndjson("import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()\nprint('after')");
        assertEquals(List.of("started", "figure", "stdout", "done"), events.stream().map(Event::type).toList());
        assertEquals("image/png", events.get(1).data().get("mimeType").asText());
    }

    @Test
    void displaysStreamInOrderWithTheOutput() throws Exception {
        List<Event> events = ndjson("print('a')\ndisplay(1)\nprint('b')\ndisplay(2, 3)\nprint('c')");
        assertEquals(List.of("started", "stdout", "display", "stdout", "display", "display", "stdout", "done"),
                events.stream().map(Event::type).toList());
        assertEquals("2", events.get(4).data().get("data").get("text/plain").asText());
        assertEquals(3, events.get(7).data().get("displays").size(), "done carries the displays too");
    }

    @Test
    void everyStreamEndsWithExactlyOneDone() throws Exception {
        List<Event> events = ndjson("while True: pass", "{\"timeoutMs\": 1000}");
        assertEquals(1, events.stream().filter(e -> e.type().equals("done")).count());
        assertEquals("done", events.get(events.size() - 1).type());
        assertEquals("timeout", events.get(events.size() - 1).data().get("status").asText());
    }

    @Test
    void aClientThatDisconnectsEndsItsSandbox() throws Exception {
        Api.assertNoSandboxLeft(Duration.ofSeconds(10));
        BufferedReader reader = open("import time\nwhile True:\n    print('alive')\n    time.sleep(0.2)", "application/x-ndjson");
        reader.readLine();
        assertTrue(reader.readLine().contains("alive"));
        assertEquals(1, Api.busySandboxes());
        long closed = System.nanoTime();
        reader.close();
        while (Api.busySandboxes() > 0 && System.nanoTime() - closed < 5_000_000_000L) {
            Api.sleep(20);
        }
        long goneMs = (System.nanoTime() - closed) / 1_000_000;
        assertTrue(goneMs < 1000, "sandbox processes gone " + goneMs + " ms after the disconnect");
        Api.assertNoSandboxLeft(Duration.ofSeconds(10));
    }

    private List<Event> ndjson(String code) throws Exception {
        return ndjson(code, "{}");
    }

    private List<Event> ndjson(String code, String limits) throws Exception {
        List<Event> events = new ArrayList<>();
        long start = System.nanoTime();
        try (BufferedReader reader = open(code, "application/x-ndjson", limits)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                JsonNode node = JSON.readTree(line);
                events.add(new Event(node.get("type").asText(), node, (System.nanoTime() - start) / 1_000_000));
            }
        }
        return events;
    }

    private BufferedReader open(String code, String accept) throws Exception {
        return open(code, accept, "{}");
    }

    private BufferedReader open(String code, String accept, String limits) throws Exception {
        String body = "{\"code\": " + JSON.writeValueAsString(code) + ", \"limits\": " + limits + "}";
        HttpRequest request = HttpRequest.newBuilder(executions).header("Content-Type", "application/json")
                .header("Accept", accept).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(accept));
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** Each tick arrives about a second after the one before, not all at the end. */
    private static void assertLive(List<Event> events) {
        List<Event> ticks = events.stream().filter(e -> e.type().equals("stdout")).toList();
        long spread = ticks.get(2).atMs() - ticks.get(0).atMs();
        assertTrue(spread > 1500, "ticks spread over " + spread + " ms");
        long doneAfterFirst = events.get(events.size() - 1).atMs() - ticks.get(0).atMs();
        assertTrue(doneAfterFirst > 1500, "the first tick came " + doneAfterFirst + " ms before the end");
    }
}
