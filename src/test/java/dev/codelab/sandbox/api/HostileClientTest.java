package dev.codelab.sandbox.api;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.PackagedService;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that hurt the service rather than the host, against the packaged service with the
 * container image's JVM flags (deploy/jvm.options: a 1 GiB heap, bounded direct memory, exit on
 * OutOfMemoryError): readers that never read answers at their output cap, clients that leave
 * mid-answer, session cells racing their interrupts. The service stays up and ready, other tenants
 * are served, nothing answers 5xx, and admission's reservations return to zero (issue 18, rows 1 and 3).
 */
@Tag("sandbox")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileClientTest {

    private static final String HOSTILE_KEY = "key-hostile-0123456789";
    private static final String TENANT_KEY = "key-tenant-0123456789";
    private static final Path KEYS = Path.of("target/hostile-keys.json").toAbsolutePath();
    /** 16 MiB of a byte JSON writes as 6 ({@code \u0001}): before, a ~100 MB answer each. */
    private static final String FLOOD = "import sys\nsys.stdout.buffer.write(b'\\x01' * (16 << 20))";
    private static PackagedService service;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(KEYS, """
                {"keys": [
                  {"tenant": "hostile", "sha256": "%s", "maxConcurrent": 2},
                  {"tenant": "tenant", "sha256": "%s"}
                ]}""".formatted(sha256(HOSTILE_KEY), sha256(TENANT_KEY)));
        service = new PackagedService("hostile", 18_310, List.of(PackagedService.CONTAINER_JVM), Map.of(
                "codelab.admission.keys-file", KEYS.toString(), "codelab.admission.max-running", "4",
                "codelab.admission.answers.stall-timeout", "5s", "codelab.pool.size", "2",
                "codelab.pool.ml-size", "0", "codelab.admission.abuse.max-limit-hits", "1000")); // hitting limits on purpose is this test's job
        service.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        service.close();
    }

    @Test
    @Order(1)
    void readersThatNeverReadAnswersAtTheirCapHurtNobody() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                stalled.add(neverReads(HOSTILE_KEY, "{\"code\": \"" + json(FLOOD) + "\", \"limits\": {\"outputBytes\": 16777216}}"));
            }
            List<Response> served = Api.concurrently(4, i -> post(TENANT_KEY,
                    "{\"code\": \"print('x' * 1_500_000)\", \"limits\": {\"outputBytes\": 4194304}}"));
            served.addAll(Api.concurrently(4, i -> post(TENANT_KEY,
                    "{\"code\": \"print('x' * 1_500_000)\", \"limits\": {\"outputBytes\": 4194304}}")));
            for (Response response : served) {
                assertEquals(200, response.statusCode(), response.asString());
                assertEquals("ok", response.jsonPath().getString("status"));
                assertEquals(1_500_001, response.jsonPath().getString("stdout").length());
            }
            assertTrue(service.ready(), "readiness holds while the slow readers wait");
            assertTrue(service.metric("codelab_admission_answer_reserved_bytes")
                    <= service.metric("codelab_admission_answer_budget_bytes"));
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        assertTrue(service.alive(), "the JVM lives: " + tail(service.log()));
        assertReservationsReturnToZero();
    }

    @Test
    @Order(2)
    void aStalledAnswerIsDroppedAndItsReservationsReturn() throws Exception {
        try (Socket stalled = neverReads(HOSTILE_KEY, "{\"code\": \"" + json(FLOOD) + "\", \"limits\": {\"outputBytes\": 16777216}}")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> service.metric("codelab_admission_answer_reserved_bytes") > 0);
            // codelab.admission.answers.stall-timeout is 5 s here: the service closes the connection itself
            await().atMost(Duration.ofSeconds(60)).until(() -> service.metric("codelab_admission_answer_reserved_bytes") == 0);
            assertTrue(service.log().contains("read nothing of its"), "the drop is logged");
        }
    }

    @Test
    @Order(3)
    void clientsThatLeaveMidAnswerLeaveNothingHeld() throws Exception {
        for (int i = 0; i < 12; i++) {
            Socket leaving = neverReads(i % 2 == 0 ? HOSTILE_KEY : TENANT_KEY,
                    "{\"code\": \"import time\\nprint('y' * 500000)\\ntime.sleep(" + (i % 3) * 0.3 + ")\"}");
            Api.sleep(50L * (i % 4));
            leaving.close();
        }
        post(TENANT_KEY, "{\"code\": \"print(1)\"}").then().statusCode(200);
        assertReservationsReturnToZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> service.sandboxCgroups().size() <= 2); // the pool's
    }

    @Test
    @Order(4)
    void cellsRacingTheirInterruptsNeverLoseTheSession() {
        String id = service.api().header("Authorization", "Bearer " + TENANT_KEY).body(Map.of())
                .post("/v1/sessions").then().statusCode(201).extract().path("id");
        cell(id, "x = 41", Map.of()).then().statusCode(200);
        for (int i = 0; i < 12; i++) {
            // the output limit interrupts the cell while it may be ending: a late interrupt must be dropped
            Response cut = cell(id, "print('a' * 5000)", Map.of("outputBytes", 1000));
            assertEquals(200, cut.statusCode(), cut.asString());
            assertEquals("output_limit", cut.jsonPath().getString("status"));
            assertEquals("active", cut.jsonPath().getString("session.state"), cut.asString());
            Response timed = cell(id, "import time\ntime.sleep(0.2)", Map.of("timeoutMs", 150 + 10 * i));
            assertEquals(200, timed.statusCode(), timed.asString());
            assertEquals("active", timed.jsonPath().getString("session.state"), timed.asString());
        }
        Response last = cell(id, "x + 1", Map.of());
        assertEquals("42", last.jsonPath().getString("result.'text/plain'"), last.asString());
        service.api().header("Authorization", "Bearer " + TENANT_KEY).delete("/v1/sessions/" + id).then().statusCode(204);
        assertFalse(service.log().contains("Traceback"), "the supervisor never failed");
        assertReservationsReturnToZero();
    }

    private static Response cell(String id, String code, Map<String, Object> limits) {
        return service.api().header("Authorization", "Bearer " + TENANT_KEY)
                .body(Map.of("code", code, "limits", limits)).post("/v1/sessions/" + id + "/executions");
    }

    private static void assertReservationsReturnToZero() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertEquals(0, service.metric("codelab_admission_answer_reserved_bytes"));
            assertEquals(0, service.metric("codelab_admission_memory_reserved_bytes"));
            assertEquals(0, service.metric("codelab_executions_running"));
        });
        assertEquals(0, service.metric("codelab_executions_queued"));
        assertFalse(service.log().contains("OutOfMemoryError"));
        assertFalse(service.log().contains("unexpected error"), "no request failed on the service's side");
    }

    private static Response post(String key, String body) {
        return service.api().header("Authorization", "Bearer " + key).body(body).post("/v1/executions");
    }

    /** A client that sends a request and never reads a byte of the answer, with a small receive window. */
    private static Socket neverReads(String key, String body) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", service.port()));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/executions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    private static String json(String code) {
        return code.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"");
    }

    private static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
