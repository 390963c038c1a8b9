package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * One entry of a cell's ordered `outputs`, as a notebook front end renders it (Jupyter's output
 * types, in this API's words): stream text, a display, a figure, the result, the error.
 */
@Schema(oneOf = {CellOutput.Stream.class, CellOutput.Shown.class, CellOutput.Figure.class, CellOutput.Result.class,
        CellOutput.Error.class})
public sealed interface CellOutput {

    String type();

    /** Text the program wrote; consecutive writes to one stream are one entry. */
    @RegisterForReflection
    @Schema(name = "OutputStream")
    record Stream(@Schema(enumeration = "stream") String type, @Schema(enumeration = {"stdout", "stderr"}) String name,
                  String text) implements CellOutput {
        Stream(String name, String text) {
            this("stream", name, text);
        }
    }

    /** A display, with its latest data when it was updated by its id. */
    @RegisterForReflection
    @Schema(name = "OutputDisplay")
    record Shown(@Schema(enumeration = "display") String type, Map<String, Object> data,
                 @JsonInclude(JsonInclude.Include.NON_NULL) String displayId) implements CellOutput {
        Shown(Map<String, Object> data, String displayId) {
            this("display", data, displayId);
        }
    }

    @RegisterForReflection
    @Schema(name = "OutputFigure")
    record Figure(@Schema(enumeration = "figure") String type, String mimeType, String data) implements CellOutput {
        Figure(ExecutionResult.Figure figure) {
            this("figure", figure.mimeType(), figure.data());
        }
    }

    /** The value of the cell's last expression. */
    @RegisterForReflection
    @Schema(name = "OutputResult")
    record Result(@Schema(enumeration = "result") String type, Map<String, Object> data) implements CellOutput {
        Result(Map<String, Object> data) {
            this("result", data);
        }
    }

    @RegisterForReflection
    @Schema(name = "OutputError")
    record Error(@Schema(enumeration = "error") String type, String ename, String evalue, List<String> traceback)
            implements CellOutput {
        Error(ExecutionResult.Error error) {
            this("error", error.ename(), error.evalue(), error.traceback());
        }
    }
}
