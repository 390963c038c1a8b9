package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codelab.sandbox.sandbox.LimitEvidence;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.ScriptedKernel;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One cell on a scripted kernel: how the service reads a supervisor's frames and decides, without
 * runsc. What only gVisor can prove stays in the suites that start real sandboxes.
 */
class KernelCellTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(5_000, 1, 256, 64, 1 << 20, 64);

    /** A script that starts each cell's code (S), then answers it. */
    private static BiConsumer<ScriptedKernel, JsonNode> onCell(BiConsumer<ScriptedKernel, Long> answer) {
        return (kernel, message) -> {
            if (message.path("type").asText().equals("cell")) {
                kernel.start(message.path("id").asLong());
                answer.accept(kernel, message.path("id").asLong());
            }
        };
    }

    @Test
    void aCellsFramesBecomeItsEventsAndResult() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('O', cell, "hi\n"));
            k.write(ScriptedKernel.frame('R', cell, "{\"text/plain\": \"42\"}"));
            k.finish(cell, 0, true);
        }));
        Cells.Outcome outcome = Cells.run(kernel, false, LIMITS);
        assertEquals(ExecutionStatus.OK, outcome.result().status(), outcome.stderr());
        assertEquals("hi\n", outcome.stdout());
        assertEquals(Map.of("text/plain", "42"), outcome.result().result());
        assertEquals("cell", kernel.received.get(0).path("type").asText());
        assertEquals(1, kernel.received.get(0).path("id").asLong());
        assertEquals(1, kernel.marks, "usage is the cell's own: marked when it starts");
    }

    @Test
    void aFrameOfAnotherCellIsAProtocolErrorAndKillsTheKernel() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('O', cell + 6, "not mine\n"));
            k.finish(cell, 0, false);
        }));
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.ERROR, outcome.result().status());
        assertTrue(kernel.killed);
        assertTrue(outcome.stderr().contains("a frame of cell 7 in cell 1"), outcome.stderr());
        assertEquals(KernelEnd.PROTOCOL_ERROR, outcome.end());
    }

    @Test
    void afterTheCodeIsOverOnlyTheReportMayCome() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('C', cell, ""));
            k.write(ScriptedKernel.frame('O', cell, "late\n"));
            k.finish(cell, 0, false);
        }));
        assertEquals(ExecutionStatus.ERROR, Cells.run(kernel, true, LIMITS).result().status());
        assertTrue(kernel.killed);
    }

    @Test
    void outputBeforeTheCodeStartsIsAProtocolError() {
        ScriptedKernel kernel = new ScriptedKernel((k, message) -> {
            if (message.path("type").asText().equals("cell")) {
                long cell = message.path("id").asLong();
                k.write(ScriptedKernel.frame('O', cell, "early\n"));
                k.start(cell);
                k.finish(cell, 0, false);
            }
        });
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.ERROR, outcome.result().status());
        assertTrue(outcome.stderr().contains("a STDOUT frame out of its place"), outcome.stderr());
        assertEquals(KernelEnd.PROTOCOL_ERROR, outcome.end());
    }

    @Test
    void aSecondResultIsAProtocolError() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('R', cell, "{\"text/plain\": \"1\"}"));
            k.write(ScriptedKernel.frame('R', cell, "{\"text/plain\": \"2\"}"));
            k.finish(cell, 0, true);
        }));
        assertEquals(ExecutionStatus.ERROR, Cells.run(kernel, false, LIMITS).result().status());
    }

    @Test
    void outputCountsAsTheAnswerHoldsIt() {
        SandboxLimits small = new SandboxLimits(5_000, 1, 256, 64, 600, 64);
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('O', cell, new byte[200])); // 200 NULs: 6 bytes each as \u0000
            k.finish(cell, 0, true);
        }));
        Cells.Outcome outcome = Cells.run(kernel, false, small);
        assertEquals(ExecutionStatus.OUTPUT_LIMIT, outcome.result().status());
        assertEquals(100, outcome.stdout().length(), "600 bytes of answer hold 100 of them");
        assertEquals(600, outcome.result().usage().outputBytes());
        assertTrue(outcome.result().truncated());
    }

    @Test
    void housekeepingRunsOffTheCellsClock() {
        SandboxLimits quick = new SandboxLimits(150, 1, 256, 64, 1 << 20, 64);
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('C', cell, ""));
            Thread later = new Thread(() -> { // a workspace of 800 files takes its time to scan
                sleep(500);
                k.write(ScriptedKernel.frame('W', cell, "{\"files\": [], \"omitted\": []}"));
                k.write(ScriptedKernel.frame('X', cell, "{\"exitCode\": 0, \"ended\": false}"));
            });
            later.start();
        }));
        Cells.Outcome outcome = Cells.run(kernel, true, quick);
        assertEquals(ExecutionStatus.OK, outcome.result().status());
        assertTrue(outcome.result().usage().wallMs() < 150, "wall time is the cell's: up to C");
        assertNull(outcome.end());
    }

    @Test
    void theCellsClockStartsWhenItsCodeDoes() {
        SandboxLimits quick = new SandboxLimits(150, 1, 256, 64, 1 << 20, 64);
        ScriptedKernel kernel = new ScriptedKernel((k, message) -> {
            if (message.path("type").asText().equals("cell")) {
                long cell = message.path("id").asLong();
                new Thread(() -> { // an 8 MiB input file takes its time to write
                    sleep(500);
                    k.start(cell);
                    k.write(ScriptedKernel.frame('O', cell, "ran\n"));
                    k.finish(cell, 0, true);
                }).start();
            }
        });
        Cells.Outcome outcome = Cells.run(kernel, false, quick);
        assertEquals(ExecutionStatus.OK, outcome.result().status(), outcome.stderr());
        assertEquals("ran\n", outcome.stdout());
        assertTrue(outcome.result().usage().wallMs() < 150, "wall time is the code's: S to C");
    }

    @Test
    void aSecondStartIsAProtocolError() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.start(cell);
            k.finish(cell, 0, true);
        }));
        assertEquals(ExecutionStatus.ERROR, Cells.run(kernel, false, LIMITS).result().status());
        assertTrue(kernel.killed);
    }

    @Test
    void aRunPastItsTimeIsKilled() {
        SandboxLimits quick = new SandboxLimits(100, 1, 256, 64, 1 << 20, 64);
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> { }));
        Cells.Outcome outcome = Cells.run(kernel, false, quick);
        assertEquals(ExecutionStatus.TIMEOUT, outcome.result().status());
        assertTrue(kernel.killed);
        assertEquals(0, kernel.interrupts(), "a single run is killed, never interrupted");
    }

    @Test
    void aCellPastItsTimeIsInterruptedByIdAndItsSessionGoesOn() {
        SandboxLimits quick = new SandboxLimits(100, 1, 256, 64, 1 << 20, 64);
        ScriptedKernel kernel = new ScriptedKernel((k, message) -> {
            if (message.path("type").asText().equals("cell")) {
                k.start(message.path("id").asLong());
            }
            if (message.path("type").asText().equals("interrupt")) {
                long cell = message.path("id").asLong();
                k.write(ScriptedKernel.frame('E', cell, "KeyboardInterrupt\n"));
                k.finish(cell, 1, false);
            }
        });
        Cells.Outcome outcome = Cells.run(kernel, true, quick);
        assertEquals(ExecutionStatus.TIMEOUT, outcome.result().status());
        assertEquals(1, kernel.interrupts());
        assertEquals(kernel.received.get(0).path("id"), kernel.received.get(1).path("id"), "the interrupt names its cell");
        assertFalse(kernel.killed);
        assertNull(outcome.end(), "the session goes on");
    }

    @Test
    void aCellThatIgnoresItsInterruptIsKilledAndSaysWhy() {
        SandboxLimits quick = new SandboxLimits(100, 1, 256, 64, 1 << 20, 64);
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> { }));
        Cells.Outcome outcome = Cells.run(kernel, true, quick);
        assertEquals(ExecutionStatus.TIMEOUT, outcome.result().status());
        assertTrue(kernel.killed);
        assertEquals(KernelEnd.INTERRUPT_IGNORED, outcome.end());
        assertTrue(outcome.stderr().contains("did not stop when interrupted"), outcome.stderr());
    }

    @Test
    void aMemoryClaimIsAMemoryLimitOnlyWithTheCgroupsEvidence() {
        BiConsumer<ScriptedKernel, JsonNode> claims = onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('C', cell, ""));
            k.write(ScriptedKernel.frame('W', cell, "{\"files\": [], \"omitted\": []}"));
            k.write(ScriptedKernel.frame('X', cell, "{\"exitCode\": 1, \"limit\": \"memory\", \"ended\": false}"));
        });
        Cells.Outcome claimOnly = Cells.run(new ScriptedKernel(claims), true, LIMITS);
        assertEquals(ExecutionStatus.ERROR, claimOnly.result().status(), "raise MemoryError far below the limit");
        assertNull(claimOnly.end());
        ScriptedKernel hit = new ScriptedKernel(claims);
        hit.evidence = new LimitEvidence(0, 4);
        Cells.Outcome limited = Cells.run(hit, true, LIMITS);
        assertEquals(ExecutionStatus.MEMORY_LIMIT, limited.result().status());
        assertEquals(KernelEnd.MEMORY_LIMIT, limited.end());
    }

    @Test
    void aProcessClaimIsAProcessLimitOnlyWithTheSentrysEvidence() {
        BiConsumer<ScriptedKernel, JsonNode> claims = onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('C', cell, ""));
            k.write(ScriptedKernel.frame('W', cell, "{\"files\": [], \"omitted\": []}"));
            k.write(ScriptedKernel.frame('X', cell, "{\"exitCode\": 1, \"limit\": \"pids\", \"ended\": true}"));
        });
        assertEquals(ExecutionStatus.ERROR, Cells.run(new ScriptedKernel(claims), false, LIMITS).result().status(),
                "32 idle threads and raise BlockingIOError");
        ScriptedKernel refused = new ScriptedKernel(claims);
        refused.seen = new SecurityEvents(0, 0, 0, 0, Map.of(), 0, 12);
        assertEquals(ExecutionStatus.PROCESS_LIMIT, Cells.run(refused, false, LIMITS).result().status());
    }

    @Test
    void aRefusalIsLoggedAndChangesNothing() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('P', 0, "an unknown message type"));
            k.finish(cell, 0, false);
        }));
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.OK, outcome.result().status());
        assertFalse(kernel.killed);
    }

    @Test
    void aProgramThatEndedEndsItsKernel() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> k.finish(cell, 3, true)));
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.ERROR, outcome.result().status());
        assertEquals(3, outcome.result().exitCode());
        assertEquals(KernelEnd.PROGRAM_EXITED, outcome.end());
    }

    @Test
    void aSandboxThatDiesWithoutAReportEndsItsKernel() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('O', cell, "partial"));
            k.end();
        }));
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.ERROR, outcome.result().status());
        assertEquals(KernelEnd.SANDBOX_FAILED, outcome.end());
        ScriptedKernel oom = new ScriptedKernel(onCell((k, cell) -> k.end()));
        oom.evidence = new LimitEvidence(1, 1);
        Cells.Outcome killed = Cells.run(oom, true, LIMITS);
        assertEquals(ExecutionStatus.MEMORY_LIMIT, killed.result().status());
        assertEquals(KernelEnd.MEMORY_LIMIT, killed.end());
    }

    @Test
    void aMimeBundleOfAnyJsonTypeIsAccepted() {
        ScriptedKernel kernel = new ScriptedKernel(onCell((k, cell) -> {
            k.write(ScriptedKernel.frame('D', cell, "{\"text/plain\": \"chart\", \"application/vnd.vegalite.v5+json\":"
                    + " {\"mark\": \"bar\"}, \"text/html; charset=utf-8\": \"<b>x</b>\"}"));
            k.finish(cell, 0, false);
        }));
        Cells.Outcome outcome = Cells.run(kernel, true, LIMITS);
        assertEquals(ExecutionStatus.OK, outcome.result().status());
        assertEquals(Map.of("mark", "bar"), outcome.result().displays().get(0).data().get("application/vnd.vegalite.v5+json"));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
