package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/** One event of a run's stream, in the order the program produced it. Ends with exactly one Done. */
public sealed interface ExecutionEvent {

    /** The SSE event name and NDJSON `type`. */
    String type();

    /** The event's JSON data. */
    Object data();

    record Started(String id) implements ExecutionEvent {
        public String type() {
            return "started";
        }

        public Object data() {
            return new IdData(id);
        }
    }

    record Output(Stream stream, String text) implements ExecutionEvent {
        public String type() {
            return stream == Stream.STDOUT ? "stdout" : "stderr";
        }

        public Object data() {
            return new TextData(text);
        }
    }

    record Figure(ExecutionResult.Figure figure) implements ExecutionEvent {
        public String type() {
            return "figure";
        }

        public Object data() {
            return figure;
        }
    }

    record Display(ExecutionResult.Display display) implements ExecutionEvent {
        public String type() {
            return "display";
        }

        public Object data() {
            return display;
        }
    }

    /** The value of the cell's last expression, where it came in the output (the answer's result). */
    record Result(Map<String, Object> bundle) implements ExecutionEvent {
        public String type() {
            return "result";
        }

        public Object data() {
            return new BundleData(bundle);
        }
    }

    /** clear_output(): the output shown so far is cleared, now or (wait) when the next output comes. */
    record Clear(boolean untilNext) implements ExecutionEvent {
        public String type() {
            return "clear";
        }

        public Object data() {
            return new ClearData(untilNext);
        }
    }

    /** The exception the cell raised (its traceback came on stderr just before). */
    record Error(ExecutionResult.Error error) implements ExecutionEvent {
        public String type() {
            return "error";
        }

        public Object data() {
            return error;
        }
    }

    record Done(ExecutionResult result) implements ExecutionEvent {
        public String type() {
            return "done";
        }

        public Object data() {
            return result;
        }
    }

    enum Stream { STDOUT, STDERR }

    @RegisterForReflection
    record IdData(String id) {
    }

    @RegisterForReflection
    record TextData(String data) {
    }

    @RegisterForReflection
    record BundleData(Map<String, Object> data) {
    }

    @RegisterForReflection
    record ClearData(@JsonProperty("wait") boolean untilNext) {
    }
}
