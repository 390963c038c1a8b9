package dev.codelab.sandbox.execution;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The one JSON line the in-sandbox runner reads on stdin (see runsc/runner/codelab_runner.py). */
@RegisterForReflection
record RunnerRequest(String code, String stdin, List<File> files, Map<String, String> env, Limits limits,
                     FilesOut filesOut) {

    @RegisterForReflection
    record File(String path, String content) {
    }

    /** Applied by the runner as rlimits before the code runs. */
    @RegisterForReflection
    record Limits(int pids, long fileBytes, int openFiles) {
    }

    /** Caps on the files the runner sends back. */
    @RegisterForReflection
    record FilesOut(int maxDepth, int maxCount, long maxFileBytes, long maxTotalBytes) {
    }

    static RunnerRequest of(ExecutionPlan plan, ExecutionConfig.Output output, int openFiles) {
        List<File> files = plan.files().stream()
                .map(file -> new File(file.path(), Base64.getEncoder().encodeToString(file.content())))
                .toList();
        return new RunnerRequest(plan.code(), plan.stdin(), files, plan.env(),
                new Limits(plan.limits().pids(), plan.limits().diskBytes(), openFiles),
                new FilesOut(output.fileDepth(), output.files(), output.fileBytes(), output.filesBytes()));
    }
}
