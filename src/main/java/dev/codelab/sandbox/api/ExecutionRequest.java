package dev.codelab.sandbox.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/** Body of POST /v1/executions; absent fields are null and get their defaults in validation. */
@RegisterForReflection
public record ExecutionRequest(
        @Schema(description = "a language from GET /v1/runtimes", defaultValue = "python") String language,
        @Schema(description = "the program; may be empty; at most 1 MiB", required = true) String code,
        @Schema(description = "given to the program's standard input; at most 1 MiB", defaultValue = "") String stdin,
        @Schema(description = "written under the working directory /workspace before the run; at most 64 files, 8 MiB")
        List<FileInput> files,
        @Schema(description = "extra environment variables; names match [A-Za-z_][A-Za-z0-9_]*")
        Map<String, String> env,
        @Schema(description = "per-request limits, each optional, each in [1, max] (see GET /v1/runtimes)")
        LimitsInput limits,
        @Schema(description = "the warm profile to run on (GET /v1/runtimes lists them); by default picked from the"
                + " code's imports, within what limits.memoryMb fits") String profile) {

    /** A file written under /workspace before the run. */
    @RegisterForReflection
    public record FileInput(
            @Schema(description = "relative to /workspace: no leading '/', no '..', at most 8 levels", required = true)
            String path,
            @Schema(description = "the content, as text or base64", required = true) String content,
            @Schema(description = "utf-8 or base64", defaultValue = "utf-8", enumeration = {"utf-8", "base64"})
            String encoding) {
    }

    /** Per-request limits; each optional. */
    @RegisterForReflection
    public record LimitsInput(
            @Schema(description = "wall-clock limit of the whole run", defaultValue = "30000") Long timeoutMs,
            @Schema(description = "CPU quota in cores (fractions allowed)", defaultValue = "1.0") Double cpus,
            @Schema(description = "memory limit of the program's sandbox", defaultValue = "256") Integer memoryMb,
            @Schema(description = "most processes and threads at once", defaultValue = "64") Integer pids,
            @Schema(description = "stdout and stderr together; past it the run is stopped", defaultValue = "1048576")
            Long outputBytes,
            @Schema(description = "what the program may write under /workspace and /tmp", defaultValue = "64")
            Integer diskMb) {
    }
}
