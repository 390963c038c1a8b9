package dev.codelab.sandbox.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** Body of POST /v1/sessions/{id}/executions: one cell. */
@RegisterForReflection
public record CellRequest(
        @Schema(description = "the cell's code; variables, imports and files of earlier cells are there", required = true)
        String code,
        @Schema(description = "the cell's standard input (sys.stdin)", defaultValue = "") String stdin,
        @Schema(description = "written under /workspace before the cell") List<ExecutionRequest.FileInput> files,
        @Schema(description = "this cell's time and output; memory, CPU, processes and disk are the session's")
        CellLimits limits) {

    @RegisterForReflection
    public record CellLimits(
            @Schema(description = "past it the cell is interrupted (KeyboardInterrupt)") Long timeoutMs,
            @Schema(description = "the cell's stdout, stderr, result, displays and figures together") Long outputBytes) {
    }
}
