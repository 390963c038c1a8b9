package dev.codelab.sandbox.execution;

import io.quarkus.runtime.annotations.RegisterForReflection;

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
}
