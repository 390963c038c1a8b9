package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.execution.ExecutionEvent.Stream;
import dev.codelab.sandbox.execution.ExecutionResult.Figure;
import dev.codelab.sandbox.execution.ExecutionResult.OmittedFile;
import dev.codelab.sandbox.execution.ExecutionResult.OutputFile;
import dev.codelab.sandbox.sandbox.FrameReader;
import dev.codelab.sandbox.sandbox.FrameReader.Frame;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxUsage;
import dev.codelab.sandbox.sandbox.StartMode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Drives one sandbox from request to verdict on a worker thread: sends the request, turns the
 * runner's frames into events as they arrive, enforces the output cap, and ends with Done.
 */
final class ExecutionRun {

    private static final Logger LOG = Logger.getLogger(ExecutionRun.class);
    private static final long EXIT_GRACE_MS = 5_000;

    @RegisterForReflection
    record FilesFrame(List<OutputFile> files, List<OmittedFile> omitted) {
    }

    @RegisterForReflection
    record ExitFrame(Integer exitCode, String limit) {
    }

    private final String id;
    private final ExecutionPlan plan;
    private final ExecutionConfig.Output caps;
    private final ObjectMapper json;
    private final MultiEmitter<? super ExecutionEvent> emitter;
    private final Map<Stream, Utf8Stream> decoders = new EnumMap<>(Stream.class);
    private final List<Figure> figures = new ArrayList<>();
    private long outputBytes;
    private long figureBytes;
    private boolean outputLimited;
    private boolean protocolError;
    private Map<String, String> result;
    private FilesFrame files = new FilesFrame(List.of(), List.of());
    private ExitFrame exit = new ExitFrame(null, null);

    ExecutionRun(String id, ExecutionPlan plan, ExecutionConfig.Output caps, ObjectMapper json,
                 MultiEmitter<? super ExecutionEvent> emitter) {
        this.id = id;
        this.plan = plan;
        this.caps = caps;
        this.json = json;
        this.emitter = emitter;
        decoders.put(Stream.STDOUT, new Utf8Stream());
        decoders.put(Stream.STDERR, new Utf8Stream());
    }

    /** Sends the request, forwards frames until the sandbox ends, and returns the verdict. */
    ExecutionResult drive(Sandbox sandbox, StartMode startMode, byte[] request, Instant startedAt, long startNanos,
                          BooleanSupplier timedOut) throws InterruptedException {
        try (OutputStream stdin = sandbox.input()) {
            stdin.write(request);
            stdin.write('\n');
        } catch (IOException e) {
            LOG.debugf("run %s: the runner closed its stdin early: %s", id, e.getMessage());
        }
        FrameReader reader = sandbox.frames();
        try {
            // The exit frame is the runner's last word: answer then, without waiting for the sandbox to end.
            for (Frame frame = reader.next(); frame != null && !outputLimited && exit.exitCode() == null;
                 frame = reader.next()) {
                accept(frame, sandbox);
            }
        } catch (FrameReader.ProtocolException e) {
            protocolError = true;
            LOG.infof("run %s: runner protocol broken (%s); stopping the sandbox", id, e.getMessage());
            sandbox.kill();
        } catch (IOException e) {
            LOG.debugf("run %s: reading frames ended: %s", id, e.getMessage());
        }
        if (outputLimited) {
            sandbox.kill();
        }
        int processExit = exit.exitCode() != null ? exit.exitCode() : sandbox.awaitExit(EXIT_GRACE_MS);
        long wallMs = (System.nanoTime() - startNanos) / 1_000_000;
        finishOutput();
        SandboxUsage usage = sandbox.usage();
        boolean oom = exit.exitCode() == null && sandbox.oomKilled(); // only a run that did not finish was killed
        if (exit.exitCode() == null && !timedOut.getAsBoolean() && !oom) {
            LOG.debugf("run %s: runner ended without reporting (rc %d): %s", id, processExit, sandbox.diagnostics());
        }
        Verdict verdict = Verdict.of(new Verdict.Observed(timedOut.getAsBoolean(), outputLimited, oom,
                exit.limit(), exit.exitCode(), processExit, protocolError));
        return new ExecutionResult(id, plan.runtime().language(), verdict.status(), verdict.exitCode(),
                verdict.signal(), null, null, outputLimited, result, List.copyOf(figures),
                files.files() == null ? List.of() : files.files(),
                files.omitted() == null ? List.of() : files.omitted(),
                new ExecutionResult.Usage(wallMs, usage.cpuMs(), usage.memoryPeakBytes(), outputBytes, startMode),
                startedAt, Instant.now());
    }

    private void accept(Frame frame, Sandbox sandbox) throws IOException {
        switch (frame.type()) {
            case STDOUT -> output(Stream.STDOUT, frame.payload(), sandbox);
            case STDERR -> output(Stream.STDERR, frame.payload(), sandbox);
            case FIGURE -> figure(frame.payload());
            case RESULT -> result = parse(frame, new TypeReference<Map<String, String>>() { });
            case FILES -> files = checkedFiles(parse(frame, new TypeReference<FilesFrame>() { }));
            case EXIT -> exit = parse(frame, new TypeReference<ExitFrame>() { });
        }
    }

    private void output(Stream stream, byte[] bytes, Sandbox sandbox) {
        long room = plan.limits().outputBytes() - outputBytes;
        int length = (int) Math.min(bytes.length, room);
        outputBytes += length;
        String text = decoders.get(stream).decode(bytes, length);
        if (!text.isEmpty()) {
            emitter.emit(new ExecutionEvent.Output(stream, text));
        }
        if (length < bytes.length) {
            outputLimited = true;
            sandbox.kill();
        }
    }

    private void figure(byte[] png) {
        if (figures.size() >= caps.figures() || figureBytes + png.length > caps.figuresBytes()) {
            LOG.debugf("run %s: figure over the cap dropped", id);
            return;
        }
        figureBytes += png.length;
        Figure figure = new Figure("image/png", Base64.getEncoder().encodeToString(png));
        figures.add(figure);
        emitter.emit(new ExecutionEvent.Figure(figure));
    }

    private FilesFrame checkedFiles(FilesFrame frame) throws FrameReader.ProtocolException {
        long total = 0;
        for (OutputFile file : frame.files() == null ? List.<OutputFile>of() : frame.files()) {
            total += file.size();
            if (file.path() == null || file.content() == null || total > caps.filesBytes()) {
                throw new FrameReader.ProtocolException("files frame over its caps");
            }
        }
        return frame;
    }

    private <T> T parse(Frame frame, TypeReference<T> type) throws FrameReader.ProtocolException {
        try {
            T value = json.readValue(frame.payload(), type);
            if (value == null) {
                throw new FrameReader.ProtocolException("empty " + frame.type() + " frame");
            }
            return value;
        } catch (IOException e) {
            throw new FrameReader.ProtocolException("malformed " + frame.type() + " frame");
        }
    }

    private void finishOutput() {
        decoders.forEach((stream, decoder) -> {
            String rest = decoder.finish();
            if (!rest.isEmpty()) {
                emitter.emit(new ExecutionEvent.Output(stream, rest));
            }
        });
    }
}
