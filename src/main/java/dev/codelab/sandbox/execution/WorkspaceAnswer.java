package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.execution.ExecutionResult.OmittedFile;
import dev.codelab.sandbox.execution.ExecutionResult.OutputFile;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The supervisor's answer to a cell's {@link WorkspaceOps} (W's {@code workspace}, runsc/PROTOCOL.md),
 * checked by {@link SandboxOutput} against what was asked.
 */
@RegisterForReflection
public record WorkspaceAnswer(List<String> replaced, List<String> deleted, List<OutputFile> read, List<Unread> unread,
                              Listing listing) {

    /** The supervisor's words for a named file it did not read. */
    public static final String NO_SUCH_FILE = "no such file";
    public static final String TOO_LARGE = "too large";

    /** A named file not read, and why: {@link #NO_SUCH_FILE} or {@link #TOO_LARGE}. */
    @RegisterForReflection
    public record Unread(String path, String reason) {
    }

    /** Every regular file under /workspace within the caps, and what was left out. */
    @RegisterForReflection
    public record Listing(List<ListedFile> files, List<OmittedFile> omitted) {
    }

    @RegisterForReflection
    public record ListedFile(String path, long size) {
    }
}
