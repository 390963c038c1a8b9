package dev.codelab.sandbox.session;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files in a live session: upload, read back, list, delete, each a cell of the session's own. */
@QuarkusTest
@Tag("sandbox")
class SessionFilesTest extends SessionsUnderTest {

    private static final String UNICODE = "r\u00e9sum\u00e9 \uD83E\uDEE0.txt";

    /** The file's URL, each segment encoded as it is (spaces as %20, '/' kept between segments). */
    private static String url(String id, String path) {
        return "/v1/sessions/" + id + "/files/" + Arrays.stream(path.split("/", -1))
                .map(segment -> URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
    }

    private static RequestSpecification raw() {
        return given().urlEncodingEnabled(false);
    }

    private static Response put(String id, String path, byte[] content) {
        return raw().contentType("application/octet-stream").body(content).put(url(id, path));
    }

    private static Response read(String id, String path) {
        return raw().get(url(id, path));
    }

    @Test
    void anUploadReadsBackAsTheSameBytesAndTheCodeSeesIt() {
        String id = open();
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        Response created = put(id, "data/all bytes.bin", binary);
        assertEquals(201, created.statusCode(), created.asString());
        assertEquals(Map.of("path", "data/all bytes.bin", "size", 256), created.jsonPath().getMap(""));
        Response got = read(id, "data/all bytes.bin");
        assertEquals(200, got.statusCode(), got.asString());
        assertEquals("application/octet-stream", got.contentType());
        assertEquals("256", got.header("Content-Length"));
        assertArrayEquals(binary, got.asByteArray());

        byte[] text = "caf\u00e9 \uD83E\uDEE0\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(201, put(id, UNICODE, "first".getBytes(StandardCharsets.UTF_8)).statusCode());
        Response replaced = put(id, UNICODE, text);
        assertEquals(200, replaced.statusCode(), "replaced: " + replaced.asString());
        assertArrayEquals(text, read(id, UNICODE).asByteArray());
        JsonPath seen = cell(id, "print(open('data/all bytes.bin', 'rb').read() == bytes(range(256)),"
                + " open('" + UNICODE + "').read(), end='')");
        assertEquals("True caf\u00e9 \uD83E\uDEE0\n", seen.getString("stdout"), seen.prettify());
        assertEquals(List.of(), seen.getList("files"), "an upload is no file the cell made");
    }

    @Test
    void theListingShowsEveryRegularFileWithItsSizeEvenOfAHibernatedSession() {
        String id = open(Map.of("files", List.of(Map.of("path", "given.txt", "content", "12345"))));
        cell(id, "import os\nos.makedirs('out/deep', exist_ok=True)\nopen('out/deep/made.csv', 'w').write('a,b\\n')\n"
                + "os.symlink('/etc/passwd', 'pw')");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> "hibernated".equals(given().get("/v1/sessions/" + id).jsonPath().getString("state")));
        Response listed = given().get("/v1/sessions/" + id + "/files");
        assertEquals(200, listed.statusCode(), listed.asString());
        assertEquals(List.of(Map.of("path", "given.txt", "size", 5), Map.of("path", "out/deep/made.csv", "size", 4)),
                listed.jsonPath().getList("files"));
        assertEquals(List.of(Map.of("path", "pw", "reason", "symlink")), listed.jsonPath().getList("omitted"));
        assertEquals("active", given().get("/v1/sessions/" + id).jsonPath().getString("state"), "resumed for it");
    }

    @Test
    void aDeletedFileIsGone() {
        String id = open();
        cell(id, "import os\nopen('old.txt', 'w').write('x')\nos.mkdir('dir')");
        assertEquals(204, raw().delete(url(id, "old.txt")).statusCode());
        Response gone = read(id, "old.txt");
        assertEquals(404, gone.statusCode(), gone.asString());
        assertEquals("application/problem+json", gone.contentType());
        assertEquals("path", gone.jsonPath().getString("field"));
        assertEquals(404, raw().delete(url(id, "old.txt")).statusCode(), "nothing left to delete");
        assertEquals(404, raw().delete(url(id, "dir")).statusCode(), "a directory is no file");
        cell(id, "open('dir/inner.txt', 'w').write('y')");
        assertEquals(204, raw().delete(url(id, "dir/inner.txt")).statusCode(),
                "in a directory the program made (its own, mode 755): deleted with the program's rights");
        assertEquals("False\n", cell(id, "print(os.path.exists('dir/inner.txt'))").getString("stdout"));
        Response unwritable = put(id, "dir", new byte[1]);
        assertEquals(409, unwritable.statusCode(), unwritable.asString());
        assertTrue(unwritable.jsonPath().getString("detail").contains("Is a directory"), unwritable.asString());
        assertEquals("False True\n", cell(id, "import os\nprint(os.path.exists('old.txt'), os.path.isdir('dir'))")
                .getString("stdout"));
    }

    @Test
    void aLinkIsNeverFollowed() {
        String id = open();
        cell(id, "import os\nos.symlink('/etc/passwd', 'pw')\nos.symlink('/etc', 'etc')\n"
                + "before = open('/etc/passwd', 'rb').read()");
        assertEquals(404, read(id, "pw").statusCode(), "a link is no regular file");
        assertEquals(404, read(id, "etc/passwd").statusCode(), "nor a way through");
        assertEquals(404, raw().delete(url(id, "etc/passwd")).statusCode());
        assertEquals(204, raw().delete(url(id, "pw")).statusCode(), "the link itself goes");
        JsonPath after = cell(id, "import os\nprint(os.path.lexists('pw'), open('/etc/passwd', 'rb').read() == before)");
        assertEquals("False True\n", after.getString("stdout"), after.prettify());
    }

    @Test
    void aPathOutsideTheRuleIsRefusedByName() {
        String id = open();
        for (String path : List.of("..%2Fsecret", "%2Fetc%2Fpasswd", "a%2F..%2F..%2Fb", "a%5Cb")) {
            for (Response refused : List.of(raw().get("/v1/sessions/" + id + "/files/" + path),
                    raw().delete("/v1/sessions/" + id + "/files/" + path),
                    raw().body(new byte[1]).put("/v1/sessions/" + id + "/files/" + path))) {
                assertEquals(400, refused.statusCode(), path + ": " + refused.asString());
                assertEquals("path", refused.jsonPath().getString("field"), path);
                assertTrue(refused.jsonPath().getString("detail").contains("is not allowed"), refused.asString());
            }
        }
        Response detail = raw().get("/v1/sessions/" + id + "/files/..%2Fsecret");
        assertTrue(detail.jsonPath().getString("detail").contains("'../secret'"), detail.asString());
    }

    @Test
    void filesOverTheCapsAreRefusedNamingTheCap() {
        String id = open();
        Response tooLarge = put(id, "big.bin", new byte[8 * 1024 * 1024 + 1]);
        assertEquals(413, tooLarge.statusCode(), tooLarge.asString());
        assertTrue(tooLarge.jsonPath().getString("detail").contains("codelab.execution.input.files-bytes"), tooLarge.asString());
        cell(id, "open('big.bin', 'wb').write(b'x' * (8 * 1024 * 1024 + 1))");
        Response unread = read(id, "big.bin");
        assertEquals(413, unread.statusCode(), unread.asString());
        assertTrue(unread.jsonPath().getString("detail").contains("codelab.execution.output.file-bytes"), unread.asString());
    }

    private static CompletableFuture<Response> sleeper(String id) {
        return CompletableFuture.supplyAsync(() -> cellResponse(id,
                "import time\nprint('started', flush=True)\ntime.sleep(600)", "limits", Map.of("timeoutMs", 120_000)));
    }

    @Test
    void aFileOperationTakesTheSessionsTurnAndIsRefusedWhileACellRuns() {
        String id = open();
        List<CompletableFuture<Response>> busy = new java.util.ArrayList<>(List.of(sleeper(id)));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (busy.get(0).isDone()) { // the listing had the turn first: the cell was refused, as any second one
                assertEquals(409, busy.get(0).join().statusCode(), busy.get(0).join().asString());
                busy.set(0, sleeper(id));
                return false;
            }
            return given().get("/v1/sessions/" + id + "/files").statusCode() == 409;
        });
        assertEquals(409, put(id, "a.txt", new byte[1]).statusCode());
        assertEquals(409, read(id, "a.txt").statusCode());
        assertEquals(409, raw().delete(url(id, "a.txt")).statusCode());
        given().post("/v1/sessions/" + id + "/interrupt");
        assertEquals("started\n", busy.get(0).join().jsonPath().getString("stdout"));
        assertEquals(201, put(id, "a.txt", new byte[1]).statusCode(), "the turn is free again");
    }
}
