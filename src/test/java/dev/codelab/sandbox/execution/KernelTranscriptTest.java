package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.ScriptedKernel;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.Multi;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The recorded transcripts of runsc/protocol/transcripts, which the runner's suite replays against
 * a real supervisor: here their frames go through the service's reading of a cell, and the last
 * cell's answer must be the transcript's outcome. One protocol, both sides tested on it.
 */
class KernelTranscriptTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TRANSCRIPTS = Path.of("runsc/protocol/transcripts");
    /** The smallest valid PNG: what a transcript's {@code "png": true} stands for. */
    private static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    @TestFactory
    Stream<DynamicTest> everyTranscriptReadsAsItsOutcome() throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(TRANSCRIPTS)) {
            files = listed.filter(path -> path.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no transcripts in " + TRANSCRIPTS);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> replay(file)));
    }

    private static void replay(Path file) throws IOException, InterruptedException {
        JsonNode transcript = JSON.readTree(file.toFile());
        Iterator<JsonNode> frames = transcript.get("frames").iterator();
        ScriptedKernel kernel = new ScriptedKernel((k, message) -> {
            if (message.path("type").asText().equals("cell")) {
                writeUpToItsExit(k, frames); // the frames the supervisor answered this cell with
            }
        });
        // The cells the supervisor ran (it answered each with X); the host lines it refused get no run here.
        List<Long> answered = new ArrayList<>();
        transcript.get("frames").forEach(frame -> {
            if (frame.get("type").asText().equals("X")) {
                answered.add(frame.get("id").asLong());
            }
        });
        List<JsonNode> cells = new ArrayList<>();
        for (long id : answered) {
            transcript.get("host").forEach(message -> {
                if (message.path("type").asText().equals("cell") && message.path("id").asLong() == id
                        && message.has("stdin") && cells.stream().noneMatch(cell -> cell.get("id").asLong() == id)) {
                    cells.add(message);
                }
            });
        }
        ExecutionResult last = null;
        for (JsonNode cell : cells) {
            last = run(kernel, cell);
        }
        JsonNode outcome = transcript.get("outcome");
        if (outcome.has("status")) {
            assertEquals(outcome.get("status").asText(), last.status().value());
        }
        if (outcome.has("exitCode")) {
            assertEquals(outcome.get("exitCode").isNull() ? null : outcome.get("exitCode").asInt(), last.exitCode());
        }
        if (outcome.has("stdout")) {
            assertEquals(outcome.get("stdout").asText(), last.stdout());
        }
        if (outcome.has("stderr")) {
            assertEquals(outcome.get("stderr").asText(), last.stderr());
        }
        if (outcome.has("result")) {
            assertEquals(JSON.convertValue(outcome.get("result"), Map.class), last.result());
        }
        if (outcome.has("error")) {
            assertEquals(outcome.get("error"), JSON.valueToTree(last.error()));
        }
        if (outcome.has("workspace")) {
            assertEquals(outcome.get("workspace"), JSON.readTree(JSON.writeValueAsString(last.workspace())));
        }
        if (outcome.has("outputs")) {
            assertEquals(outcome.get("outputs"), JSON.valueToTree(last.outputs()));
        }
        assertFalse(kernel.killed, "a transcript of a real supervisor breaks no rule of the service's");
    }

    private static void writeUpToItsExit(ScriptedKernel kernel, Iterator<JsonNode> frames) {
        while (frames.hasNext()) {
            JsonNode frame = frames.next();
            kernel.write(ScriptedKernel.frame(frame.get("type").asText().charAt(0), frame.get("id").asLong(), payload(frame)));
            if (frame.get("type").asText().equals("X")) {
                return;
            }
        }
    }

    private static byte[] payload(JsonNode frame) {
        if (frame.has("text")) {
            return frame.get("text").asText().getBytes(StandardCharsets.UTF_8);
        }
        if (frame.has("base64")) {
            return Base64.getDecoder().decode(frame.get("base64").asText());
        }
        if (frame.has("json")) {
            return frame.get("json").toString().getBytes(StandardCharsets.UTF_8);
        }
        return frame.path("png").asBoolean() ? PNG : new byte[0];
    }

    /** One cell through the service's reading and its JSON answer's aggregation, checked against the outcome by the caller. */
    private static ExecutionResult run(ScriptedKernel kernel, JsonNode cell) {
        long id = cell.get("id").asLong();
        boolean keep = cell.path("keep").asBoolean();
        List<ExecutionPlan.InputFile> files = new ArrayList<>();
        cell.path("files").forEach(file -> files.add(new ExecutionPlan.InputFile(file.get("path").asText(),
                Base64.getDecoder().decode(file.get("content").asText()))));
        ExecutionPlan plan = new ExecutionPlan(new Tenant("t", KeyPolicy.UNRESTRICTED),
                new LanguageRuntime("python", null, List.of(), List.of()), null, cell.get("code").asText(), "", files,
                Map.of(), new SandboxLimits(30_000, 1, 256, 64, cell.path("limits").path("outputBytes").asLong(1 << 20), 64),
                cell.has("workspace") ? JSON.convertValue(cell.get("workspace"), WorkspaceOps.class) : null);
        Multi<ExecutionEvent> events = Multi.createFrom().emitter(emitter -> {
            KernelCell kernelCell = new KernelCell("replay", id, plan, kernel, StartMode.WARM, keep, Cells.CAPS,
                    new SandboxOutput(JSON, Cells.CAPS), emitter, finished -> { }, (result, end) -> null, new RunTimeline());
            try {
                kernelCell.run(Cells.message(plan, keep));
                emitter.complete();
            } catch (InterruptedException e) {
                emitter.fail(e);
            }
        });
        return ResultAggregator.aggregate(events).await().atMost(Duration.ofSeconds(30));
    }
}
