package dev.codelab.sandbox.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/** Body of POST /v1/sessions; every field optional. */
@RegisterForReflection
public record SessionRequest(
        @Schema(description = "a language from GET /v1/runtimes", defaultValue = "python") String language,
        @Schema(description = "the session's limits: memory, CPU, processes and disk for its whole life;"
                + " timeoutMs and outputBytes are each cell's defaults") ExecutionRequest.LimitsInput limits,
        @Schema(description = "environment variables of the session's program") Map<String, String> env,
        @Schema(description = "written under /workspace before the first cell") List<ExecutionRequest.FileInput> files,
        @Schema(description = "the session ends after this long without a cell", defaultValue = "600000")
        Long idleTimeoutMs,
        @Schema(description = "the warm profile of the session's kernel (GET /v1/runtimes lists them), kept for its"
                + " whole life; without it the session opens on base and its first cell's imports may move it to a"
                + " larger profile before that cell runs") String profile) {
}
