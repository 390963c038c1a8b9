package dev.codelab.sandbox.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;
import java.util.Map;

/** Body of POST /v1/executions; absent fields are null and get their defaults in validation. */
@RegisterForReflection
public record ExecutionRequest(String language, String code, String stdin, List<FileInput> files,
                               Map<String, String> env, LimitsInput limits) {

    /** A file written under /workspace before the run. */
    @RegisterForReflection
    public record FileInput(String path, String content, String encoding) {
    }

    /** Per-request limits; each optional. */
    @RegisterForReflection
    public record LimitsInput(Long timeoutMs, Double cpus, Integer memoryMb, Integer pids, Long outputBytes,
                              Integer diskMb) {
    }
}
