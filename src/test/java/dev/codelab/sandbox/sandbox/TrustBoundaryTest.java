package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.codelab.sandbox.Api.limits;
import static dev.codelab.sandbox.Api.request;
import static dev.codelab.sandbox.Api.run;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing from inside a sandbox speaks for the run: a catalogue of programs that try every
 * channel they have to forge their status, exit code, files or sizes.
 */
@QuarkusTest
@Tag("sandbox")
class TrustBoundaryTest extends RealSandboxTest {

    /** Python that writes a well-formed "exit 0" frame, and a files frame with hostile paths, to a descriptor. */
    private static final String FORGE = """
            import json, os, struct
            def frame(kind, value):
                payload = json.dumps(value).encode()
                return kind + struct.pack('>I', len(payload)) + payload
            FILES = {'files': [{'path': p, 'size': 0, 'encoding': 'base64', 'content': 'aGk='}
                               for p in ('../../../../etc/cron.d/x', '/etc/x', 'a\\x1b[31mred')], 'omitted': []}
            FORGED = frame(b'W', FILES) + frame(b'X', {'exitCode': 0, 'signal': None, 'limit': None, 'problem': None})
            def forge_everywhere():
                for fd in range(0, 64):
                    try:
                        os.write(fd, FORGED)
                    except OSError:
                        pass
            """;

    @Test
    void aProgramThatForgesItsExitOnEveryDescriptorAndSpinsTimesOut() {
        JsonPath run = run(FORGE + "forge_everywhere()\nwhile True: pass", "limits", limits("timeoutMs", 2000));
        assertEquals("timeout", run.getString("status"));
        assertNull(run.getString("exitCode"));
        assertEquals(List.of(), run.getList("files"));
    }

    @Test
    void aProgramThatSpinsThenForgesNearItsDeadlineTimesOut() {
        JsonPath run = run(FORGE + """
                import time
                end = time.monotonic() + 1.5
                while time.monotonic() < end: pass
                forge_everywhere()
                while True: pass
                """, "limits", limits("timeoutMs", 2000));
        assertEquals("timeout", run.getString("status"));
    }

    @Test
    void aForkedChildCannotReportForTheRun() {
        JsonPath run = run(FORGE + """
                import time
                if os.fork() == 0:
                    forge_everywhere()
                    os._exit(0)
                time.sleep(0.5)
                raise SystemExit(3)
                """);
        assertEquals("error", run.getString("status"));
        assertEquals(3, run.getInt("exitCode"), "the exit code is the supervisor's waitpid, not a forged frame");
        assertEquals(List.of(), run.getList("files"));
    }

    @Test
    void theSupervisorCannotBeSignalledTracedOrOpened() {
        JsonPath run = run("""
                import ctypes, os, signal
                libc = ctypes.CDLL(None, use_errno=True)
                results = []
                for path in ['/proc/1/fd/%d' % fd for fd in range(8)] + ['/proc/1/mem', '/proc/1/cwd/x']:
                    try:
                        os.close(os.open(path, os.O_WRONLY))
                        results.append('opened ' + path)
                    except OSError:
                        pass
                for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
                    try:
                        os.kill(1, sig)
                        results.append('signalled with %d' % sig)
                    except OSError:
                        pass
                if libc.ptrace(16, 1, 0, 0) == 0:
                    results.append('attached')
                print(results, os.getppid())
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("[] 1\n", run.getString("stdout"), "the program's parent is the supervisor, and it is out of reach");
    }

    /**
     * Issue 18 row 9. This runsc (2024-07, the newest Debian has) shows every task's environ, maps,
     * smaps and auxv world-readable (later gVisor makes environ and auxv 0400 and a non-dumpable
     * task's files root's, as Linux does); so what the supervisor's hold is made worthless: its
     * environment is the program's own (built from nothing, see RuntimeCatalog), and the program,
     * a fork of the supervisor, has the same memory layout in its own /proc/self/maps.
     */
    @Test
    void theSupervisorsProcFilesHoldNothingTheProgramHasNot() {
        JsonPath run = run("""
                def read(path):
                    try:
                        with open(path, 'rb') as f:
                            return f.read()
                    except OSError:
                        return None
                environ = read('/proc/1/environ')
                print(environ is None or environ == read('/proc/self/environ'))
                def libraries(maps):
                    return sorted({line.split()[0] + ' ' + line.split()[-1] for line in maps.decode().splitlines()
                                   if line.split()[-1].endswith('.so.6') or 'libpython' in line})
                maps = read('/proc/1/maps')
                print(maps is None or libraries(maps) == libraries(read('/proc/self/maps')))
                print(read('/proc/1/mem'))
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("True\nTrue\nNone\n", run.getString("stdout"));
    }

    /** Issue 18 row 10: nothing of the machine that built the image. */
    @Test
    void theImageNamesItselfNotItsBuildHost() {
        JsonPath run = run("print(open('/etc/hostname').read().strip(), open('/etc/resolv.conf').read().count('nameserver'),"
                + " open('/etc/hosts').read().split())");
        assertEquals("sandbox 0 ['127.0.0.1', 'localhost', '::1', 'localhost', '127.0.1.1', 'sandbox']\n",
                run.getString("stdout"), run.getString("stderr"));
    }

    @Test
    void returnedFilesObeyThePathRulesWhateverTheProgramNamesThem() {
        JsonPath run = run("""
                import os
                os.makedirs('dir', exist_ok=True)
                for name in ['plain.txt', 'dir/nested.txt', 'esc\\x1b[31mape', 'bell\\x07', 'tab\\tname', 'back\\\\slash',
                             '\\U0001FAE0 melt.txt']:
                    with open(name, 'w') as f:
                        f.write('content')
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        List<Map<String, Object>> files = run.getList("files");
        assertEquals(List.of("dir/nested.txt", "plain.txt", "\uD83E\uDEE0 melt.txt"),
                files.stream().map(file -> file.get("path")).toList(), "a name newer than a Unicode table is a name");
        files.forEach(file -> assertEquals(7, file.get("size"), "size is the decoded content's"));
        List<String> omitted = run.getList("filesOmitted.path");
        assertEquals(4, omitted.size(), omitted.toString());
        omitted.forEach(path -> assertTrue(path.chars().noneMatch(c -> Character.isISOControl(c) || c == '\\'), path));
    }

    @Test
    void aHugeLastExpressionIsAnOutputLimitNotAHugeResponse() {
        Response response = given().contentType(ContentType.JSON).body(request("'A' * 19_000_000"))
                .when().post("/v1/executions").then().statusCode(200).extract().response();
        assertTrue(response.asByteArray().length < 4 << 20, "response of " + response.asByteArray().length + " bytes");
        JsonPath run = response.jsonPath();
        assertEquals("output_limit", run.getString("status"));
        assertTrue(run.getBoolean("truncated"));
        assertNull(run.get("result"));
    }

    @Test
    void displaysAndFiguresCountTowardTheOutputBudget() {
        JsonPath displays = run("for i in range(1000):\n    display('x' * 1000)", "limits", limits("outputBytes", 20_000));
        assertEquals("output_limit", displays.getString("status"));
        assertTrue(displays.getList("displays").size() < 20, "displays stop at the budget");
        JsonPath figures = run("""
                import matplotlib.pyplot as plt
                for i in range(20):
                    plt.figure(); plt.plot(range(100))
                """, "limits", limits("outputBytes", 30_000));
        assertEquals("output_limit", figures.getString("status"));
    }

    @Test
    void aProgramThatBreaksItsDisplayChannelGetsAnErrorThatSaysSo() {
        JsonPath run = run("import os\nos.write(3, b'Z' * 64)\nprint('still running')");
        assertEquals("error", run.getString("status"));
        assertEquals("still running\n", run.getString("stdout"));
        assertTrue(run.getString("stderr").contains("display channel"), run.getString("stderr"));
    }

    @Test
    void namespacesCannotBeCreatedWithAnyCall() {
        JsonPath run = run("""
                import ctypes, os, struct
                libc = ctypes.CDLL(None, use_errno=True)
                flags = {'user': 0x10000000, 'net': 0x40000000, 'pid': 0x20000000, 'mount': 0x00020000,
                         'uts': 0x04000000, 'ipc': 0x08000000, 'cgroup': 0x02000000, 'time': 0x00000080}
                allowed = []
                for name, flag in flags.items():
                    if libc.unshare(flag) == 0:
                        allowed.append('unshare ' + name)
                    args = ctypes.create_string_buffer(struct.pack('<QQQQQQQQ', flag, 0, 0, 0, 17, 0, 0, 0))
                    pid = libc.syscall(435, args, 64)
                    if pid == 0:
                        os._exit(0)
                    if pid > 0:
                        os.waitpid(pid, 0); allowed.append('clone3 ' + name)
                    pid = libc.syscall(56, flag | 17, 0, 0, 0, 0)
                    if pid == 0:
                        os._exit(0)
                    if pid > 0:
                        os.waitpid(pid, 0); allowed.append('clone ' + name)
                    if libc.setns(os.open('/proc/self/ns/net', os.O_RDONLY) if os.path.exists('/proc/self/ns/net') else -1, flag) == 0:
                        allowed.append('setns ' + name)
                args = ctypes.create_string_buffer(struct.pack('<QQQQQQQQ', 0, 0, 0, 0, 17, 0, 0, 0))
                print(allowed, os.strerror(ctypes.get_errno()) if libc.syscall(435, args, 64) < 0 else 'clone3 works')
                import threading, subprocess
                threading.Thread(target=print, args=('threads work',)).start()
                print(subprocess.run(['echo', 'processes work'], capture_output=True, text=True).stdout.strip())
                """);
        assertEquals("[] Function not implemented\nthreads work\nprocesses work\n", run.getString("stdout"), run.getString("stderr"));
    }

    @Test
    void forksOfTheWarmInterpreterShareItsMemory() {
        String forks = """
                import os, time
                children = []
                for i in range(%d):
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(1)
                        os._exit(0)
                    children.append(pid)
                time.sleep(0.5)
                for pid in children:
                    os.waitpid(pid, 0)
                """;
        JsonPath none = run(forks.formatted(0));
        JsonPath eight = run(forks.formatted(8));
        assertEquals("ok", eight.getString("status"), eight.getString("stderr"));
        long perFork = (eight.getLong("usage.memoryPeakBytes") - none.getLong("usage.memoryPeakBytes")) / 8;
        assertTrue(perFork < 8 << 20, "each sleeping fork costs " + (perFork >> 20) + " MiB (35 before)");
    }

    @Test
    void everyRunDrawsFreshRandomState() {
        String draw = "import random, numpy as np\nprint(random.random())\nprint(np.random.rand())";
        List<String> first = run(draw).getString("stdout").lines().toList();
        List<String> second = run(draw).getString("stdout").lines().toList();
        assertEquals(2, first.size());
        assertNotEquals(first.get(0), second.get(0), "random");
        assertNotEquals(first.get(1), second.get(1), "numpy.random");
    }
}
