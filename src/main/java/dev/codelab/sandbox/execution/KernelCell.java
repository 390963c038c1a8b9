package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.execution.ExecutionEvent.Stream;
import dev.codelab.sandbox.execution.ExecutionResult.Display;
import dev.codelab.sandbox.execution.ExecutionResult.Figure;
import dev.codelab.sandbox.sandbox.FrameReader;
import dev.codelab.sandbox.sandbox.FrameReader.Header;
import dev.codelab.sandbox.sandbox.FrameReader.Type;
import dev.codelab.sandbox.sandbox.Kernel;
import dev.codelab.sandbox.sandbox.LimitEvidence;
import dev.codelab.sandbox.sandbox.SandboxUsage;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import dev.codelab.sandbox.sandbox.StartMode;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * One cell on one kernel, on a worker thread (runsc/PROTOCOL.md): sends the cell's message, turns
 * the supervisor's frames into events as they arrive (each checked against the protocol and counted
 * against outputBytes as the answer will hold it), and ends with Done. Its {@link RunLife} decides
 * how it ended. A single run is a kernel with one cell; a session's kernel runs one after another.
 * The only difference is how a cell the service ends is stopped: a single run's kernel is killed,
 * a session's cell is interrupted (and its kernel killed if it does not stop).
 */
final class KernelCell {

    private static final Logger LOG = Logger.getLogger(KernelCell.class);
    private static final long EXIT_GRACE_MS = 2_000;
    /** How long an interrupted cell has to stop before its kernel is killed. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(3);
    /** How long the sandbox may take to start the cell's code: reading its message, writing its input files. */
    private static final long START_MS = 60_000;
    /** How long the supervisor may take, after the cell's code is over, to send its files and exit report. */
    private static final long REPORT_MS = 10_000;
    private static final int EXIT_FRAME_BYTES = 4096;
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** Who learns how the cell goes: a single run's nobody, a session's the session. */
    interface Owner {
        /** How the cell ended, before its answer leaves; the session reference for the answer, or null. */
        ExecutionResult.SessionRef ended(ExecutionResult result, KernelEnd end);

        /** The cell's message is with the supervisor: an interrupt for the cell is acted on from now on. */
        default void sent() {
        }
    }

    private final String id;
    private final long cell;
    private final ExecutionPlan plan;
    private final Kernel kernel;
    private final StartMode startMode;
    private final ExecutionConfig.Output caps;
    private final SandboxOutput checks;
    private final MultiEmitter<? super ExecutionEvent> emitter;
    private final Consumer<ExecutionFinished> finished;
    private final Owner owner;
    private final RunLife life;
    private final RunTimeline timeline;
    private final Map<Stream, Utf8Stream> decoders = new EnumMap<>(Stream.class);
    private final List<Figure> figures = new ArrayList<>();
    private final List<Display> displays = new ArrayList<>();
    private final StringBuilder serviceNotes = new StringBuilder();
    private long outputBytes;
    private long figureBytes;
    private Map<String, Object> result;
    private ExecutionResult.Error error;
    private SandboxOutput.FilesFrame files = new SandboxOutput.FilesFrame(List.of(), List.of(), null);
    private long codeStartNanos;
    private long codeOverNanos;
    private volatile ExitReport report;
    private volatile boolean killedAfterGrace;
    private Cancellable grace;

    /** {@code keep}: the kernel lives on after the cell (a session's), so a stopped cell is interrupted. */
    KernelCell(String id, long cell, ExecutionPlan plan, Kernel kernel, StartMode startMode, boolean keep,
               ExecutionConfig.Output caps, SandboxOutput checks, MultiEmitter<? super ExecutionEvent> emitter,
               Consumer<ExecutionFinished> finished, Owner owner, RunTimeline timeline) {
        this.id = id;
        this.cell = cell;
        this.plan = plan;
        this.kernel = kernel;
        this.startMode = startMode;
        this.caps = caps;
        this.checks = checks;
        this.emitter = emitter;
        this.finished = finished;
        this.owner = owner;
        this.timeline = timeline;
        this.life = new RunLife(keep ? this::interruptCell : kernel::kill, kernel::kill);
        decoders.put(Stream.STDOUT, new Utf8Stream());
        decoders.put(Stream.STDERR, new Utf8Stream());
    }

    /**
     * Runs the cell to its end, tells the owner and {@code finished} (audit, metrics, abuse signals:
     * before the answer, so the next request already sees them), and emits Done.
     */
    void run(byte[] message) throws InterruptedException {
        Instant startedAt = Instant.now();
        long startNanos = System.nanoTime();
        emitter.onTermination(() -> life.end(RunEnding.CANCELLED)); // after Done: already ended, no effect
        if (emitter.isCancelled()) {
            life.end(RunEnding.CANCELLED); // the client left while the kernel was being readied
        }
        kernel.markUsage();
        life.awaitStart(START_MS);
        try {
            emitter.emit(new ExecutionEvent.Started(id));
            send(message);
            owner.sent();
            timeline.mark("sent");
            readFrames();
            if (report == null) {
                kernel.awaitExit(EXIT_GRACE_MS); // ended without a report: let it finish dying first
            }
            life.end(report != null ? RunEnding.EXITED : RunEnding.SANDBOX_ENDED);
            long beginNanos = codeStartNanos != 0 ? codeStartNanos : startNanos;
            long endNanos = codeOverNanos != 0 ? codeOverNanos : System.nanoTime();
            // Complete once the report is in: gVisor writes each event before the call it describes returns.
            SecurityEvents seen = kernel.takeSecurityEvents();
            timeline.mark("seen");
            ExecutionResult result = result(startedAt, Math.max(0, endNanos - beginNanos) / 1_000_000, seen);
            timeline.mark("result");
            ExecutionResult.SessionRef session = owner.ended(result, kernelEnd(result));
            if (session != null) {
                result = result.inSession(session);
            }
            finished.accept(new ExecutionFinished(plan, result, seen));
            emitter.emit(new ExecutionEvent.Done(result));
            timeline.mark("done");
        } finally {
            life.close();
            cancelGrace();
        }
    }

    private void send(byte[] message) {
        try {
            kernel.send(message);
        } catch (IOException e) {
            LOG.debugf("run %s: the supervisor closed its stdin early: %s", id, e.getMessage());
        }
    }

    /** Why the kernel cannot run another cell; null when it can. */
    private KernelEnd kernelEnd(ExecutionResult result) {
        if (killedAfterGrace) {
            return KernelEnd.INTERRUPT_IGNORED;
        }
        if (life.ending().killsTheKernel()) {
            return KernelEnd.PROTOCOL_ERROR;
        }
        if (result.status() == ExecutionStatus.MEMORY_LIMIT) {
            return KernelEnd.MEMORY_LIMIT;
        }
        if (result.status() == ExecutionStatus.PROCESS_LIMIT) {
            return KernelEnd.PROCESS_LIMIT;
        }
        if (report == null) {
            return KernelEnd.SANDBOX_FAILED;
        }
        return report.programEnded() ? KernelEnd.PROGRAM_EXITED : null;
    }

    /** A session's cell past its time or budget, or whose client left: KeyboardInterrupt, then a kill if it goes on. */
    private void interruptCell() {
        if (!kernel.interrupt(cell)) {
            kernel.kill();
            return;
        }
        Cancellable timer = Uni.createFrom().voidItem().onItem().delayIt().by(INTERRUPT_GRACE).subscribe().with(ignored -> {
            if (report == null) {
                killedAfterGrace = true;
                kernel.kill();
            }
        });
        synchronized (this) {
            grace = timer;
        }
    }

    private synchronized void cancelGrace() {
        if (grace != null) {
            grace.cancel();
        }
    }

    /** Frames until the exit report or the end of the stream; after an ending, read on and drop. */
    private void readFrames() {
        FrameReader reader = kernel.frames();
        try {
            for (Header header = reader.next(); header != null; header = reader.next()) {
                if (!accept(header, reader) || report != null) {
                    return;
                }
            }
        } catch (FrameReader.ProtocolException | SandboxOutput.Invalid e) {
            broken(e.getMessage());
        } catch (IOException e) {
            LOG.debugf("run %s: reading frames ended: %s", id, e.getMessage());
        }
    }

    /** Takes one frame; false when the stream ended within it. */
    private boolean accept(Header header, FrameReader reader) throws IOException, SandboxOutput.Invalid {
        checkPlace(header);
        boolean counted = switch (header.type()) {
            case FIGURE, RESULT, DISPLAY, DISPLAY_WITH_ID, CLEAR, ERROR -> true;
            default -> false;
        };
        if (header.type() == Type.PAST_BUDGET) {
            life.end(RunEnding.OUTPUT_LIMITED);
            return reader.skip(header);
        }
        if (counted && header.length() > budgetLeft()) {
            life.end(RunEnding.OUTPUT_LIMITED); // the payload is never read
            return reader.skip(header);
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
                result = checks.bundle(payload);
                outputBytes += payload.length;
                emitter.emit(new ExecutionEvent.Result(result));
            }
            case DISPLAY -> shown(new Display(checks.bundle(payload)), payload.length);
            case DISPLAY_WITH_ID -> displayWithId(checks.displayWithId(payload), payload.length);
            case CLEAR -> clear(payload);
            case ERROR -> error(checks.error(payload), payload.length);
            case CELL_STARTED -> {
                codeStartNanos = System.nanoTime();
                life.codeStarted(plan.limits().timeoutMs());
            }
            case CELL_OVER -> {
                codeOverNanos = System.nanoTime();
                life.codeOver(REPORT_MS);
            }
            case FILES -> files = checks.files(payload, plan);
            case EXIT -> report = checks.exit(payload);
            case REFUSED -> LOG.warnf("run %s: the supervisor refused a message: %s", id,
                    WorkspacePath.shown(new String(payload, StandardCharsets.UTF_8)));
            default -> throw new SandboxOutput.Invalid("an unexpected " + header.type() + " frame");
        }
        return true;
    }

    /**
     * The frame belongs to this cell and comes in its place: S (once, when the code runs), output, C,
     * W, X; P at any time, with id 0. No output before S: the supervisor forwards none (a session's
     * background threads' output waits for the next cell's S), and a cell that never ran has none.
     */
    private void checkPlace(Header header) throws SandboxOutput.Invalid {
        Type type = header.type();
        if (type == Type.REFUSED || type == Type.WARMED) {
            if (header.cell() != 0 || type == Type.WARMED) {
                throw new SandboxOutput.Invalid("a " + type + " frame in cell " + cell);
            }
            return;
        }
        if (header.cell() != cell) {
            throw new SandboxOutput.Invalid("a frame of cell " + header.cell() + " in cell " + cell);
        }
        boolean afterCode = codeOverNanos != 0;
        boolean housekeeping = type == Type.FILES || type == Type.EXIT;
        boolean output = type != Type.CELL_STARTED && type != Type.CELL_OVER && !housekeeping;
        if ((afterCode && !housekeeping) || (output && codeStartNanos == 0) || (type == Type.RESULT && result != null)
                || (type == Type.ERROR && error != null)
                || (type == Type.CELL_STARTED && codeStartNanos != 0)
                || (type == Type.EXIT && header.length() > EXIT_FRAME_BYTES)) {
            throw new SandboxOutput.Invalid("a " + type + " frame out of its place");
        }
    }

    private long budgetLeft() {
        return plan.limits().outputBytes() - outputBytes;
    }

    /** Decoded, then counted as the answer holds it; past the budget it is cut and the cell ends. */
    private void output(Stream stream, byte[] bytes) {
        String text = decoders.get(stream).decode(bytes, bytes.length);
        String kept = JsonText.cut(text, Math.max(0, budgetLeft()));
        outputBytes += JsonText.size(kept);
        if (!kept.isEmpty()) {
            emitter.emit(new ExecutionEvent.Output(stream, kept));
        }
        if (kept.length() < text.length()) {
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

    /** A new display: one of the cell's capped count (past it, dropped). */
    private void shown(Display display, int bytes) {
        if (displays.size() >= caps.displays()) {
            LOG.debugf("run %s: display over the cap dropped", id);
            return;
        }
        outputBytes += bytes;
        displays.add(display);
        emitter.emit(new ExecutionEvent.Display(display));
    }

    /** A display with an id: a new one, or an update, which replaces the data of the displays with its id (not counted: the output budget bounds updates). */
    private void displayWithId(Display display, int bytes) {
        if (display.update() == null) {
            shown(display, bytes);
            return;
        }
        outputBytes += bytes;
        displays.replaceAll(shown -> display.displayId().equals(shown.displayId())
                ? new Display(display.data(), shown.displayId(), null) : shown);
        emitter.emit(new ExecutionEvent.Display(display));
    }

    private void clear(byte[] payload) throws SandboxOutput.Invalid {
        String word = new String(payload, StandardCharsets.US_ASCII);
        if (!word.equals("now") && !word.equals("wait")) {
            throw new SandboxOutput.Invalid("a clear that is neither now nor wait");
        }
        outputBytes += payload.length;
        emitter.emit(new ExecutionEvent.Clear(word.equals("wait")));
    }

    /**
     * The cell's error: its traceback on stderr as Python prints it (for readers of the streams), then
     * the error itself; the answer holds both, so both count. Past the budget, neither is shown.
     */
    private void error(ExecutionResult.Error raised, int bytes) {
        String printed = raised.printed();
        long size = bytes + JsonText.size(printed);
        if (size > budgetLeft()) {
            life.end(RunEnding.OUTPUT_LIMITED);
            return;
        }
        outputBytes += size;
        error = raised;
        emitter.emit(new ExecutionEvent.Output(Stream.STDERR, printed));
        emitter.emit(new ExecutionEvent.Error(raised));
    }

    /** The sandbox broke the contract: the cell ends as an error, and says so. */
    private void broken(String what) {
        LOG.infof("run %s: the sandbox sent %s; stopping it", id, what);
        if (life.end(RunEnding.PROTOCOL_ERROR)) {
            serviceNotes.append("codelab-sandbox: the run was stopped: the sandbox sent ").append(what).append('\n');
        }
    }

    private ExecutionResult result(Instant startedAt, long wallMs, SecurityEvents seen) {
        finishOutput();
        SandboxUsage usage = kernel.usage();
        LimitEvidence memory = kernel.limitEvidence();
        boolean processLimitHit = seen != null && seen.processLimitHits() > 0;
        Verdict verdict = Verdict.of(new Verdict.Facts(life.ending(), memory, processLimitHit, report));
        if (report != null && report.problem() != null) {
            serviceNotes.append("codelab-sandbox: ").append(report.shownProblem()).append('\n');
        }
        if (life.ending() == RunEnding.START_LATE) {
            serviceNotes.append("codelab-sandbox: the sandbox did not start the cell in time; it was stopped\n");
        }
        if (life.ending() == RunEnding.REPORT_LATE) {
            serviceNotes.append("codelab-sandbox: the sandbox did not report the cell's end in time; it was stopped\n");
        }
        if (killedAfterGrace) {
            serviceNotes.append("codelab-sandbox: the cell did not stop when interrupted; its sandbox was killed\n");
        }
        if (!serviceNotes.isEmpty()) {
            emitter.emit(new ExecutionEvent.Output(Stream.STDERR, serviceNotes.toString()));
        }
        return new ExecutionResult(id, plan.runtime().language(), verdict.status(), verdict.exitCode(),
                verdict.signal(), null, null, life.ending() == RunEnding.OUTPUT_LIMITED, result, List.copyOf(displays),
                List.copyOf(figures), files.files(), files.omitted(),
                new ExecutionResult.Usage(wallMs, usage.cpuMs(), usage.memoryPeakBytes(), outputBytes, startMode),
                startedAt, Instant.now(), null, error, null, plan.profileName(), files.workspace());
    }

    private void finishOutput() {
        decoders.forEach((stream, decoder) -> {
            String rest = JsonText.cut(decoder.finish(), Math.max(0, budgetLeft()));
            outputBytes += JsonText.size(rest);
            if (!rest.isEmpty()) {
                emitter.emit(new ExecutionEvent.Output(stream, rest));
            }
        });
    }
}
