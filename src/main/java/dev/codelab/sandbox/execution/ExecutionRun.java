package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.execution.ExecutionEvent.Stream;
import dev.codelab.sandbox.execution.ExecutionResult.Display;
import dev.codelab.sandbox.execution.ExecutionResult.Figure;
import dev.codelab.sandbox.sandbox.FrameReader;
import dev.codelab.sandbox.sandbox.FrameReader.Header;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.SandboxUsage;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import dev.codelab.sandbox.sandbox.StartMode;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One run on one sandbox, on a worker thread: sends the request, turns the supervisor's frames
 * into events as they arrive (each checked, and counted against outputBytes), and ends with Done.
 * Its {@link RunLife} decides how it ended. A single run holds on until its sandbox is gone; a
 * session's cell ({@link SessionSeat}) is stopped by an interrupt instead, and leaves its sandbox
 * to the session.
 */
final class ExecutionRun {

    private static final Logger LOG = Logger.getLogger(ExecutionRun.class);
    private static final long EXIT_GRACE_MS = 2_000;
    /** How long an interrupted cell has to stop before its session's sandbox is killed. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(3);
    private static final int EXIT_FRAME_BYTES = 4096;
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final String id;
    private final ExecutionPlan plan;
    private final Sandbox sandbox;
    private final StartMode startMode;
    private final ExecutionConfig.Output caps;
    private final SandboxOutput checks;
    private final MultiEmitter<? super ExecutionEvent> emitter;
    private final Consumer<ExecutionFinished> finished;
    private final SessionSeat seat;
    private final RunLife life;
    private final RunTimeline timeline;
    private final Map<Stream, Utf8Stream> decoders = new EnumMap<>(Stream.class);
    private final List<Figure> figures = new ArrayList<>();
    private final List<Display> displays = new ArrayList<>();
    private final StringBuilder serviceNotes = new StringBuilder();
    private long outputBytes;
    private long figureBytes;
    private Map<String, Object> result;
    private SandboxOutput.FilesFrame files = new SandboxOutput.FilesFrame(List.of(), List.of());
    private volatile ExitReport report;

    ExecutionRun(String id, ExecutionPlan plan, Sandbox sandbox, StartMode startMode, ExecutionConfig.Output caps,
                 SandboxOutput checks, MultiEmitter<? super ExecutionEvent> emitter, Consumer<ExecutionFinished> finished,
                 SessionSeat seat, RunTimeline timeline) {
        this.id = id;
        this.plan = plan;
        this.sandbox = sandbox;
        this.startMode = startMode;
        this.caps = caps;
        this.checks = checks;
        this.emitter = emitter;
        this.finished = finished;
        this.seat = seat;
        this.timeline = timeline;
        this.life = new RunLife(seat == null ? sandbox::kill : this::interruptCell, sandbox::kill);
        decoders.put(Stream.STDOUT, new Utf8Stream());
        decoders.put(Stream.STDERR, new Utf8Stream());
    }

    /**
     * Runs to the end, tells {@code finished} (audit, metrics, abuse signals: before the answer, so
     * the next request already sees it), emits Done, and returns once the sandbox is gone.
     */
    void run(byte[] request) throws InterruptedException {
        Instant startedAt = Instant.now();
        long startNanos = System.nanoTime();
        emitter.onTermination(() -> life.end(RunEnding.CANCELLED)); // after Done: already ended, no effect
        if (emitter.isCancelled()) {
            life.end(RunEnding.CANCELLED); // the client left while the sandbox was starting
        }
        life.startTimer(plan.limits().timeoutMs());
        try {
            emitter.emit(new ExecutionEvent.Started(id));
            send(request);
            timeline.mark("sent");
            readFrames();
            if (report == null) {
                sandbox.awaitExit(EXIT_GRACE_MS); // ended without a report: let it finish dying first
            }
            life.end(report != null ? RunEnding.EXITED : RunEnding.SANDBOX_ENDED);
            ExecutionResult result = result(startedAt, (System.nanoTime() - startNanos) / 1_000_000);
            timeline.mark("result");
            // What the program tried since the sandbox's last run: this cell's, in a session. Taken
            // before the session learns the cell's end, which may tear its sandbox (and watch) down.
            SecurityEvents seen = sandbox.takeSecurityEvents();
            timeline.mark("seen");
            if (seat != null) {
                result = result.inSession(new ExecutionResult.SessionRef(seat.sessionId(), sandboxLives(result) ? "active" : "ended"));
                seat.cellEnded(result, sandboxLives(result));
            }
            finished.accept(new ExecutionFinished(plan, result, seen));
            emitter.emit(new ExecutionEvent.Done(result));
            timeline.mark("done");
        } finally {
            if (seat == null) {
                sandbox.awaitExit(EXIT_GRACE_MS); // the run holds its timer and slot until its sandbox is gone
                timeline.mark("exited");
            }
            life.close();
        }
    }

    /** A single run's request closes the supervisor's stdin; a cell's leaves it open for the next. */
    private void send(byte[] request) {
        OutputStream stdin = sandbox.input();
        try {
            stdin.write(request);
            stdin.write('\n');
            stdin.flush();
            if (seat == null) {
                stdin.close();
            }
        } catch (IOException e) {
            LOG.debugf("run %s: the supervisor closed its stdin early: %s", id, e.getMessage());
        }
    }

    /** A session's program lives on after this cell unless it ended or must end. */
    private boolean sandboxLives(ExecutionResult result) {
        return report != null && !report.programEnded() && life.ending() != RunEnding.PROTOCOL_ERROR
                && result.status() != ExecutionStatus.MEMORY_LIMIT && result.status() != ExecutionStatus.PROCESS_LIMIT;
    }

    /** A cell past its time or budget, or whose client left: KeyboardInterrupt, then a kill if it goes on. */
    private void interruptCell() {
        if (!sandbox.interrupt()) {
            sandbox.kill();
            return;
        }
        Uni.createFrom().voidItem().onItem().delayIt().by(INTERRUPT_GRACE).subscribe().with(ignored -> {
            if (report == null) {
                sandbox.kill();
            }
        });
    }

    /**
     * Frames until the exit report or the end of the stream. After an ending decided by the service
     * a single run's sandbox is being killed, so reading stops; a cell reads on to its report.
     */
    private void readFrames() {
        FrameReader reader = sandbox.frames();
        try {
            for (Header header = reader.next(); header != null; header = reader.next()) {
                if (!accept(header, reader) || report != null || (seat == null && life.ended())) {
                    return;
                }
            }
        } catch (FrameReader.ProtocolException e) {
            broken(e.getMessage());
        } catch (IOException e) {
            LOG.debugf("run %s: reading frames ended: %s", id, e.getMessage());
        } catch (SandboxOutput.Invalid e) {
            broken(e.getMessage());
        }
    }

    /** Takes one frame; false when the run cannot go on. */
    private boolean accept(Header header, FrameReader reader) throws IOException, SandboxOutput.Invalid {
        boolean counted = header.type() == FrameReader.Type.FIGURE || header.type() == FrameReader.Type.RESULT
                || header.type() == FrameReader.Type.DISPLAY;
        if (header.type() == FrameReader.Type.PAST_BUDGET) {
            life.end(RunEnding.OUTPUT_LIMITED);
            return header.length() == 0;
        }
        if (counted && header.length() > budgetLeft()) {
            life.end(RunEnding.OUTPUT_LIMITED); // the payload is not kept, not even read by a single run
            return seat != null && reader.skip(header);
        }
        if ((header.type() == FrameReader.Type.EXIT && header.length() > EXIT_FRAME_BYTES)
                || header.type() == FrameReader.Type.WARMED) {
            throw new SandboxOutput.Invalid("an unexpected " + header.type() + " frame");
        }
        byte[] payload = reader.payload(header);
        if (payload == null) {
            return false;
        }
        timeline.mark(header.type().name());
        switch (header.type()) {
            case STDOUT -> output(Stream.STDOUT, payload);
            case STDERR -> output(Stream.STDERR, payload);
            case FIGURE -> figure(payload);
            case RESULT -> {
                if (result != null) {
                    throw new SandboxOutput.Invalid("a second result");
                }
                result = checks.bundle(payload);
                outputBytes += payload.length;
            }
            case DISPLAY -> display(payload);
            case FILES -> files = checks.files(payload);
            case EXIT -> report = checks.exit(payload);
            default -> throw new SandboxOutput.Invalid("an unexpected " + header.type() + " frame");
        }
        return seat != null || !life.ended(); // a stopped cell reads on to its report
    }

    private long budgetLeft() {
        return plan.limits().outputBytes() - outputBytes;
    }

    private void output(Stream stream, byte[] bytes) {
        int length = (int) Math.max(0, Math.min(bytes.length, budgetLeft()));
        outputBytes += length;
        String text = decoders.get(stream).decode(bytes, length);
        if (!text.isEmpty()) {
            emitter.emit(new ExecutionEvent.Output(stream, text));
        }
        if (length < bytes.length) {
            life.end(RunEnding.OUTPUT_LIMITED);
        }
    }

    private void figure(byte[] png) throws SandboxOutput.Invalid {
        if (png.length < PNG_MAGIC.length || !Arrays.equals(png, 0, PNG_MAGIC.length, PNG_MAGIC, 0, PNG_MAGIC.length)) {
            throw new SandboxOutput.Invalid("a figure that is not a PNG");
        }
        if (figures.size() >= caps.figures() || figureBytes + png.length > caps.figuresBytes()) {
            LOG.debugf("run %s: figure over the cap dropped", id);
            return;
        }
        figureBytes += png.length;
        outputBytes += png.length;
        Figure figure = new Figure("image/png", Base64.getEncoder().encodeToString(png));
        figures.add(figure);
        emitter.emit(new ExecutionEvent.Figure(figure));
    }

    private void display(byte[] payload) throws SandboxOutput.Invalid {
        Display display = new Display(checks.bundle(payload));
        if (displays.size() >= caps.displays()) {
            LOG.debugf("run %s: display over the cap dropped", id);
            return;
        }
        outputBytes += payload.length;
        displays.add(display);
        emitter.emit(new ExecutionEvent.Display(display));
    }

    /** The sandbox broke the contract: the run ends as an error, and says so. */
    private void broken(String what) {
        LOG.infof("run %s: the sandbox sent %s; stopping it", id, what);
        if (life.end(RunEnding.PROTOCOL_ERROR)) {
            serviceNotes.append("codelab-sandbox: the run was stopped: the sandbox sent ").append(what).append('\n');
        }
    }

    private ExecutionResult result(Instant startedAt, long wallMs) {
        finishOutput();
        SandboxUsage usage = sandbox.usage();
        boolean oomKilled = sandbox.oomKilled();
        boolean memoryPressure = oomKilled || usage.memoryPeakBytes() * 2 >= plan.limits().memoryBytes();
        Verdict verdict = Verdict.of(new Verdict.Facts(life.ending(), oomKilled, memoryPressure, report));
        if (report != null && report.problem() != null) {
            serviceNotes.append("codelab-sandbox: ").append(report.problem()).append('\n');
        }
        if (!serviceNotes.isEmpty()) {
            emitter.emit(new ExecutionEvent.Output(Stream.STDERR, serviceNotes.toString()));
        }
        return new ExecutionResult(id, plan.runtime().language(), verdict.status(), verdict.exitCode(),
                verdict.signal(), null, null, life.ending() == RunEnding.OUTPUT_LIMITED, result, List.copyOf(displays),
                List.copyOf(figures), files.files(), files.omitted(),
                new ExecutionResult.Usage(wallMs, usage.cpuMs(), usage.memoryPeakBytes(), outputBytes, startMode),
                startedAt, Instant.now(), null);
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
