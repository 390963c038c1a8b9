package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The `cell` message of runsc/PROTOCOL.md: one cell for the supervisor, on its stdin. */
@RegisterForReflection
record CellMessage(String type, long id, String code, String stdin, List<File> files, Map<String, String> env,
                   Limits limits, FilesOut filesOut, RichOut richOut, boolean keep,
                   @JsonInclude(JsonInclude.Include.NON_NULL) WorkspaceOps workspace) {

    @RegisterForReflection
    record File(String path, String content) {
    }

    /** Applied to the program as rlimits before the code runs; outputBytes lets a flood stop at its source. */
    @RegisterForReflection
    record Limits(int pids, long fileBytes, int openFiles, long outputBytes) {
    }

    /** Caps on the files the supervisor sends back. */
    @RegisterForReflection
    record FilesOut(int maxDepth, int maxCount, long maxFileBytes, long maxTotalBytes) {
    }

    /** Caps on the program's figures and displays, and on one frame of its display channel. */
    @RegisterForReflection
    record RichOut(int figures, long figuresBytes, int displays, int frameBytes) {
    }

    static CellMessage of(long id, ExecutionPlan plan, ExecutionConfig.Output output, int openFiles, int frameBytes,
                          boolean keep) {
        List<File> files = plan.files().stream()
                .map(file -> new File(file.path(), Base64.getEncoder().encodeToString(file.content())))
                .toList();
        return new CellMessage("cell", id, plan.code(), plan.stdin(), files, plan.env(),
                new Limits(plan.limits().pids(), plan.limits().diskBytes(), openFiles, plan.limits().outputBytes()),
                new FilesOut(output.fileDepth(), output.files(), output.fileBytes(), output.filesBytes()),
                new RichOut(output.figures(), output.figuresBytes(), output.displays(), frameBytes), keep, plan.workspace());
    }
}
