package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.codelab.sandbox.sandbox.StartMode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one run: the JSON response, and the data of the stream's `done` event (which
 * leaves stdout and stderr out, as they were streamed already). {@code workspace}, the answer to a
 * session's file operation, is for its endpoint only: never in a cell's answer.
 */
@RegisterForReflection
public record ExecutionResult(
        String id,
        String language,
        @Schema(description = "ok: exit 0; error: another exit code or a signal; timeout, memory_limit, output_limit,"
                + " process_limit: stopped for passing that limit") ExecutionStatus status,
        @Schema(nullable = true, description = "the program's exit code; null when it died of a signal") Integer exitCode,
        @Schema(nullable = true, description = "the signal that ended it, e.g. SIGKILL; null after a normal exit") String signal,
        @JsonInclude(JsonInclude.Include.NON_NULL) String stdout,
        @JsonInclude(JsonInclude.Include.NON_NULL) String stderr,
        @Schema(description = "true when the output passed outputBytes and was cut") boolean truncated,
        @Schema(nullable = true, description = "the last expression's value as a notebook shows it: a mime bundle with text/plain"
                + " (repr) and every form the value offers through the IPython display protocol (text/html,"
                + " text/markdown, image/svg+xml, image/png, image/jpeg, text/latex, application/json; binary ones"
                + " base64); null otherwise") Map<String, Object> result,
        @Schema(description = "every display() call of the program, in order, each {data: mime bundle}")
        List<Display> displays,
        @Schema(description = "matplotlib figures, in order: each plt.show() and every figure left open")
        List<Figure> figures,
        @Schema(description = "regular files created or changed under /workspace, content in base64")
        List<OutputFile> files,
        @Schema(description = "files under /workspace not returned, with the reason (symlink, sparse, too large...)")
        List<OmittedFile> filesOmitted,
        Usage usage,
        Instant startedAt,
        Instant finishedAt,
        @Schema(description = "for a session's cell: the session and its state after the cell (active, ended)")
        @JsonInclude(JsonInclude.Include.NON_NULL) SessionRef session,
        @Schema(description = "the exception the cell raised, as Jupyter shows it; its traceback is on stderr too."
                + " Null when it raised none") @JsonInclude(JsonInclude.Include.NON_NULL) Error error,
        @Schema(description = "what the cell showed, in the order it showed it (the JSON answer only): stream text,"
                + " display, figure, result and error entries, as a notebook front end renders them; display"
                + " updates and clear_output applied") @JsonInclude(JsonInclude.Include.NON_NULL) List<CellOutput> outputs,
        @Schema(description = "the warm profile its sandbox came from (GET /v1/runtimes): base, ml")
        @JsonInclude(JsonInclude.Include.NON_NULL) String profile,
        @JsonIgnore @Schema(hidden = true) WorkspaceAnswer workspace) {

    public ExecutionResult withOutput(String stdout, String stderr, List<CellOutput> outputs) {
        return new ExecutionResult(id, language, status, exitCode, signal, stdout, stderr, truncated, result,
                displays, figures, files, filesOmitted, usage, startedAt, finishedAt, session, error, outputs, profile,
                workspace);
    }

    ExecutionResult inSession(SessionRef ref) {
        return new ExecutionResult(id, language, status, exitCode, signal, stdout, stderr, truncated, result,
                displays, figures, files, filesOmitted, usage, startedAt, finishedAt, ref, error, outputs, profile,
                workspace);
    }

    /** The session a cell ran in, its state after it, and why it ended if it did. */
    @RegisterForReflection
    public record SessionRef(String id, String state,
                             @Schema(description = "when state is ended: why (memory_limit, program_exited, ...)")
                             @JsonInclude(JsonInclude.Include.NON_NULL) String endReason,
                             @Schema(description = "the replica that holds the session now: where its next cell is best sent")
                             @JsonInclude(JsonInclude.Include.NON_NULL) String pod) {
    }

    @RegisterForReflection
    public record Figure(String mimeType, String data) {
    }

    /**
     * One display() of the program: a mime bundle as for result. One with a display id can be updated
     * where it is shown: the stream's `display` event with {@code update: true} carries its new data.
     */
    @RegisterForReflection
    public record Display(Map<String, Object> data,
                          @Schema(description = "the display's id, when it was given one (display_id)")
                          @JsonInclude(JsonInclude.Include.NON_NULL) String displayId,
                          @Schema(description = "true: this replaces the data of the display shown with displayId")
                          @JsonInclude(JsonInclude.Include.NON_NULL) Boolean update) {

        public Display(Map<String, Object> data) {
            this(data, null, null);
        }
    }

    /** An exception the cell raised: its name, its message, and its traceback's lines as Python prints them. */
    @RegisterForReflection
    public record Error(String ename, String evalue, List<String> traceback) {

        /** The traceback as Python prints it on stderr: its lines, each ended. */
        @JsonIgnore
        public String printed() {
            StringBuilder text = new StringBuilder();
            traceback.forEach(line -> text.append(line).append('\n'));
            return text.toString();
        }
    }

    /** A file the program created or changed under /workspace; content is base64. */
    @RegisterForReflection
    public record OutputFile(String path, long size, String content, String encoding) {
    }

    /** A file the program left that is not returned, and why (symlink, sparse, too large...). */
    @RegisterForReflection
    public record OmittedFile(String path, String reason) {
    }

    /**
     * Measured from the host cgroup, not reported by the program; {@code outputBytes} counts stdout,
     * stderr, result, displays and figures as sent; {@code sandboxStart} says how the sandbox started: warm (from the pool),
     * restored (on demand) or cold.
     */
    @RegisterForReflection
    public record Usage(long wallMs, long cpuMs, long memoryPeakBytes, long outputBytes, StartMode sandboxStart) {
    }
}
