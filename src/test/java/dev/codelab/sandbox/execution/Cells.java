package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.sandbox.ScriptedKernel;
import dev.codelab.sandbox.sandbox.StartMode;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import io.smallrye.mutiny.Multi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Runs one cell on a scripted kernel, as the pipeline does, and keeps what came of it. */
final class Cells {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ExecutionConfig.Output CAPS = new ExecutionConfig.Output() {
        public int files() {
            return 64;
        }

        public long fileBytes() {
            return 8 << 20;
        }

        public long filesBytes() {
            return 16 << 20;
        }

        public int fileDepth() {
            return 8;
        }

        public int figures() {
            return 32;
        }

        public long figuresBytes() {
            return 16 << 20;
        }

        public int displays() {
            return 256;
        }
    };
    private static final LanguageRuntime PYTHON = new LanguageRuntime("python", null, List.of(), List.of());

    /** What a cell produced: its events' text, its result, and what its owner was told of its kernel. */
    record Outcome(List<ExecutionEvent> events, ExecutionResult result, KernelEnd end) {
        String stdout() {
            return text(ExecutionEvent.Stream.STDOUT);
        }

        String stderr() {
            return text(ExecutionEvent.Stream.STDERR);
        }

        private String text(ExecutionEvent.Stream stream) {
            StringBuilder text = new StringBuilder();
            events.stream().filter(event -> event instanceof ExecutionEvent.Output output && output.stream() == stream)
                    .forEach(event -> text.append(((ExecutionEvent.Output) event).text()));
            return text.toString();
        }
    }

    private Cells() {
    }

    static Outcome run(ScriptedKernel kernel, boolean keep, SandboxLimits limits) {
        return run(kernel, keep, new ExecutionPlan(new Tenant("t", KeyPolicy.UNRESTRICTED), PYTHON, null, "print(1)", "",
                List.of(), Map.of(), limits));
    }

    static Outcome run(ScriptedKernel kernel, boolean keep, ExecutionPlan plan) {
        AtomicReference<KernelEnd> end = new AtomicReference<>();
        List<ExecutionEvent> events = Multi.createFrom().<ExecutionEvent>emitter(emitter -> {
            KernelCell cell = new KernelCell("run", 1, plan, kernel, StartMode.WARM, keep, CAPS,
                    new SandboxOutput(JSON, CAPS), emitter, finished -> { }, (result, ended) -> {
                        end.set(ended);
                        return null;
                    }, new RunTimeline());
            try {
                cell.run(message(plan, keep));
                emitter.complete();
            } catch (InterruptedException e) {
                emitter.fail(e);
            }
        }).collect().asList().await().atMost(Duration.ofSeconds(30));
        ExecutionResult result = ((ExecutionEvent.Done) events.get(events.size() - 1)).result();
        return new Outcome(events, result, end.get());
    }

    static byte[] message(ExecutionPlan plan, boolean keep) {
        try {
            return JSON.writeValueAsBytes(CellMessage.of(1, plan, CAPS, 256, 1 << 24, keep));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
