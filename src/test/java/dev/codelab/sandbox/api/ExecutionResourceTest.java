package dev.codelab.sandbox.api;

import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.codelab.sandbox.Api.run;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@Tag("sandbox")
class ExecutionResourceTest extends RealSandboxTest {

    @Test
    void printsAndReturnsTheLastExpression() {
        JsonPath run = run("print('hello')\n6 * 7");
        assertEquals("ok", run.getString("status"));
        assertEquals(0, run.getInt("exitCode"));
        assertNull(run.get("signal"));
        assertEquals("hello\n", run.getString("stdout"));
        assertEquals("", run.getString("stderr"));
        assertEquals("42", run.getString("result.'text/plain'"));
        assertFalse(run.getBoolean("truncated"));
        assertEquals("python", run.getString("language"));
        assertTrue(run.getString("id").matches("[0-9a-f-]{36}"));
    }

    @Test
    void noResultWhenTheLastStatementIsNotAnExpression() {
        JsonPath run = run("x = 1");
        assertEquals("ok", run.getString("status"));
        assertNull(run.get("result"));
    }

    @Test
    void anUncaughtExceptionIsAnErrorWithItsTraceback() {
        JsonPath run = run("def f():\n    raise ValueError('bad value')\nf()");
        assertEquals("error", run.getString("status"));
        assertEquals(1, run.getInt("exitCode"));
        String stderr = run.getString("stderr");
        assertTrue(stderr.contains("ValueError: bad value"), stderr);
        assertTrue(stderr.contains("File \"<cell>\", line 3"), stderr);
        assertFalse(stderr.contains("/opt/codelab"), "the runner's own frames are hidden: " + stderr);
        assertEquals(2, stderr.split("File \"", -1).length - 1, "the cell's two frames, nothing else: " + stderr);
    }

    @Test
    void exitCodesComeThrough() {
        JsonPath run = run("import sys\nprint('bye')\nsys.exit(3)");
        assertEquals("error", run.getString("status"));
        assertEquals(3, run.getInt("exitCode"));
        assertEquals("bye\n", run.getString("stdout"));
    }

    @Test
    void aDataFrameResultHasHtml() {
        JsonPath run = run("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})");
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertTrue(run.getString("result.'text/plain'").contains("a  b"));
        assertTrue(run.getString("result.'text/html'").contains("<table"), run.getString("result.'text/html'"));
    }

    @Test
    void figuresComeBackAsPngInOrder() {
        JsonPath run = run("""
                import matplotlib.pyplot as plt
                plt.figure(figsize=(2, 2)); plt.plot([1, 2, 3]); plt.show()
                print('between')
                plt.figure(figsize=(4, 3)); plt.bar([1, 2], [3, 4])
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        List<Map<String, String>> figures = run.getList("figures");
        assertEquals(2, figures.size());
        assertEquals("image/png", figures.get(0).get("mimeType"));
        assertEquals(List.of(200, 200), pngSize(figures.get(0).get("data")), "the shown figure comes first");
        assertEquals(List.of(400, 300), pngSize(figures.get(1).get("data")), "then the one left open");
    }

    @Test
    void stdinAndEnvironmentReachTheProgram() {
        JsonPath run = run("import os\nprint(input(), os.environ['GREETING'])",
                "stdin", "world\n", "env", Map.of("GREETING", "hi"));
        assertEquals("world hi\n", run.getString("stdout"));
    }

    @Test
    void filesGoInAndChangedFilesComeOut() {
        JsonPath run = run("""
                import pandas as pd
                df = pd.read_csv('data/in.csv')
                df['c'] = df.a + df.b
                df.to_csv('out.csv', index=False)
                open('data/blob.bin', 'ab').write(b'\\x03')
                print(open('untouched.txt').read())
                """, "files", List.of(
                Map.of("path", "data/in.csv", "content", "a,b\n1,2\n"),
                Map.of("path", "data/blob.bin", "content", "AAEC", "encoding", "base64"),
                Map.of("path", "untouched.txt", "content", "same", "encoding", "utf-8")));
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("same\n", run.getString("stdout"));
        List<Map<String, Object>> files = run.getList("files");
        assertEquals(List.of("data/blob.bin", "out.csv"), files.stream().map(f -> f.get("path")).toList(),
                "new and changed files only, not the untouched input");
        assertEquals("base64", files.get(0).get("encoding"));
        assertEquals("AAECAw==", files.get(0).get("content"));
        assertEquals(4, files.get(0).get("size"));
        assertEquals("a,b,c\n1,2,3\n", decode(files.get(1).get("content")));
    }

    @Test
    void aSymlinkOutOfTheWorkspaceIsNeverFollowed() {
        JsonPath run = run("import os\nos.symlink('/etc/passwd', 'pw')\nos.symlink('/etc', 'etcdir')");
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals(List.of(), run.getList("files"));
        assertEquals(List.of(Map.of("path", "etcdir", "reason", "symlink"), Map.of("path", "pw", "reason", "symlink")),
                run.getList("filesOmitted"));
    }

    @Test
    void sparseAndHugeFilesAreRefusedWithoutReading() {
        JsonPath run = run("""
                import os
                with open('sparse.bin', 'wb') as f:
                    f.truncate(40 << 20)
                try:
                    with open('tebibyte.bin', 'wb') as f:
                        f.truncate(1 << 40)
                except OSError as e:
                    print(e.strerror)
                os.mkfifo('pipe')
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("File too large\n", run.getString("stdout"), "the 1 TiB file is stopped by the file size limit");
        List<Map<String, String>> omitted = run.getList("filesOmitted");
        assertTrue(omitted.contains(Map.of("path", "pipe", "reason", "not a regular file")), omitted.toString());
        assertTrue(omitted.stream().anyMatch(f -> f.get("path").equals("sparse.bin")), omitted.toString());
        List<Map<String, Object>> files = run.getList("files");
        assertTrue(files.stream().allMatch(f -> ((Integer) f.get("size")) == 0), "only the empty tebibyte.bin may come back");
    }

    @Test
    void usageIsMeasuredFromTheHost() {
        // the host's clock runs from the cell's S to its end as the service reads them: on a busy machine
        // both may be read at once after a short cell, so this one lasts long enough to be seen
        JsonPath run = run("import time\nsum(range(10**6))\ntime.sleep(0.5)");
        assertTrue(run.getLong("usage.wallMs") > 0, run.prettify());
        assertTrue(run.getLong("usage.cpuMs") > 0);
        assertTrue(run.getLong("usage.memoryPeakBytes") > 1_000_000);
        Instant started = Instant.parse(run.getString("startedAt"));
        Instant finished = Instant.parse(run.getString("finishedAt"));
        assertTrue(!finished.isBefore(started));
    }

    @Test
    void runtimesListPythonWithVersionsAndLimits() {
        given().get("/v1/runtimes").then().statusCode(200)
                .body("language", hasItem("python"))
                .body("[0].version", containsString("3."))
                .body("[0].packages", hasKey("numpy"))
                .body("[0].packages", hasKey("pandas"))
                .body("[0].packages", hasKey("matplotlib"))
                .body("[0].limits.default.memoryMb", is(256))
                .body("[0].limits.max.timeoutMs", is(300000));
    }

    private static String decode(Object base64) {
        return new String(Base64.getDecoder().decode((String) base64), StandardCharsets.UTF_8);
    }

    private static List<Integer> pngSize(String base64) {
        ByteBuffer png = ByteBuffer.wrap(Base64.getDecoder().decode(base64));
        assertEquals(0x89504E47, png.getInt(0), "PNG signature");
        return List.of(png.getInt(16), png.getInt(20));
    }
}
