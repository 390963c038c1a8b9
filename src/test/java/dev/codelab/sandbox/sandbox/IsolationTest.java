package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.Api;
import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.codelab.sandbox.Api.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a program can and cannot reach from inside its sandbox. */
@QuarkusTest
@Tag("sandbox")
class IsolationTest extends RealSandboxTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int servicePort;

    @Test
    void theServiceAndTheNetworkAreUnreachable() {
        JsonPath run = run("""
                import socket
                try:
                    socket.create_connection(('127.0.0.1', %d), timeout=2)
                    print('reached the service')
                except OSError:
                    print('service unreachable')
                try:
                    socket.getaddrinfo('localhost.localdomain.example', 80)
                    print('dns works')
                except OSError:
                    print('dns fails')
                print([name for _, name in socket.if_nameindex()])
                """.formatted(servicePort));
        assertEquals("service unreachable\ndns fails\n['lo']\n", run.getString("stdout"),
                run.getString("stderr"));
    }

    @Test
    void theServiceEnvironmentDoesNotLeak() {
        assertNotNull(System.getenv("CODELAB_TEST_SECRET"), "surefire sets a secret in the service's environment");
        JsonPath run = run("import os\nprint(sorted(os.environ))\nprint(open('/proc/1/environ').read())");
        String out = run.getString("stdout");
        assertFalse(out.contains("CODELAB_TEST_SECRET"), out);
        assertFalse(out.contains(System.getenv("CODELAB_TEST_SECRET")), out);
        assertFalse(out.contains("JAVA_HOME"), out);
    }

    @Test
    void theServiceFilesAreNotVisible() {
        JsonPath run = run("import os\nprint(os.path.exists('/work'), os.path.exists('/root/.m2'), os.listdir('/opt/codelab'))");
        assertEquals("False False", run.getString("stdout").substring(0, 11));
    }

    @Test
    void systemPathsAreReadOnly() {
        JsonPath run = run("""
                for path in ['/etc/passwd', '/usr/lib/x', '/bin/x', '/opt/codelab/x', '/var/tmp/x', '/root/x']:
                    try:
                        open(path, 'a').write('x')
                        print(path, 'written')
                    except OSError as e:
                        print(path, 'refused')
                """);
        String out = run.getString("stdout");
        assertFalse(out.contains("written"), out);
        assertEquals(6, out.lines().count());
    }

    @Test
    void programsRunAsAnUnprivilegedUserWithoutCapabilities() {
        JsonPath run = run("""
                import os
                import ctypes
                status = dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines() if ':' in line)
                no_new_privs = ctypes.CDLL(None).prctl(39, 0, 0, 0, 0)
                print(os.getuid(), os.getgid(), status['CapEff'].strip(), status['CapPrm'].strip(), no_new_privs, status['Seccomp'].strip())
                """);
        assertEquals("1000 1000 0000000000000000 0000000000000000 1 2\n", run.getString("stdout"), run.getString("stderr"));
    }

    @Test
    void dangerousSyscallsAreRefused() {
        JsonPath run = run("""
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                def errno_of(result):
                    return 'allowed' if result == 0 else os.strerror(ctypes.get_errno())
                print('unshare', errno_of(libc.unshare(0x10000000)))
                print('mount', errno_of(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)))
                print('ptrace', errno_of(libc.ptrace(16, 1, 0, 0)))
                print('keyctl', errno_of(libc.syscall(250, 0, 0, 0, 0)))
                print('bpf', errno_of(libc.syscall(321, 0, 0, 0)))
                print('chroot', errno_of(libc.chroot(b'/tmp')))
                """);
        assertEquals("""
                unshare Operation not permitted
                mount Operation not permitted
                ptrace Operation not permitted
                keyctl Operation not permitted
                bpf Operation not permitted
                chroot Operation not permitted
                """, run.getString("stdout"), run.getString("stderr"));
    }

    @Test
    void nothingSurvivesFromAnEarlierRun() {
        JsonPath first = run("""
                for path in ['/workspace/mark', '/tmp/mark', '/dev/shm/mark']:
                    open(path, 'w').write('secret')
                import os; os.environ['MARK'] = '1'
                print('marked')
                """);
        assertEquals("marked\n", first.getString("stdout"), first.getString("stderr"));
        JsonPath second = run("import os\nprint([os.path.exists(p) for p in ['/workspace/mark', '/tmp/mark', '/dev/shm/mark']], 'MARK' in os.environ)");
        assertEquals("[False, False, False] False\n", second.getString("stdout"));
    }

    @Test
    void concurrentRunsDoNotSeeEachOther() {
        String code = """
                import os, time, glob
                open('/tmp/' + os.environ['WHO'], 'w').write('x')
                open('/workspace/' + os.environ['WHO'], 'w').write('x')
                time.sleep(1.5)
                print(sorted(os.path.basename(p) for p in glob.glob('/tmp/run*') + glob.glob('/workspace/run*')), len(os.listdir('/proc')))
                """;
        List<CompletableFuture<JsonPath>> runs = List.of("runA", "runB").stream()
                .map(who -> CompletableFuture.supplyAsync(() -> run(code, "env", java.util.Map.of("WHO", who))))
                .toList();
        assertTrue(runs.get(0).join().getString("stdout").startsWith("['runA', 'runA']"), runs.get(0).join().getString("stdout"));
        assertTrue(runs.get(1).join().getString("stdout").startsWith("['runB', 'runB']"), runs.get(1).join().getString("stdout"));
    }

    @Test
    void theMemoryLimitHoldsWhateverTheProgramSees() {
        // /proc/meminfo shows the limit in a cold sandbox; a restored one keeps its image's view.
        JsonPath run = run("x = bytearray(400 << 20)", "limits", Api.limits("memoryMb", 300));
        assertEquals("memory_limit", run.getString("status"));
    }
}
