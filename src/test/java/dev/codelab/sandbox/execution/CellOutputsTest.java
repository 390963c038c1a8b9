package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.execution.ExecutionEvent.Stream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A cell's ordered outputs, as a notebook front end renders its events. */
class CellOutputsTest {

    private static Map<String, Object> bundle(String text) {
        return Map.of("text/plain", text);
    }

    private static List<CellOutput> fold(ExecutionEvent... events) {
        CellOutputs outputs = new CellOutputs();
        List.of(events).forEach(outputs::add);
        return outputs.outputs();
    }

    @Test
    void streamsMergeUntilSomethingElseComesBetween() {
        ExecutionResult.Figure png = new ExecutionResult.Figure("image/png", "iVBO");
        assertEquals(List.of(new CellOutput.Stream("stdout", "a\nb\n"), new CellOutput.Stream("stderr", "w\n"),
                        new CellOutput.Figure(png), new CellOutput.Stream("stdout", "c"), new CellOutput.Result(bundle("1"))),
                fold(new ExecutionEvent.Started("r"), new ExecutionEvent.Output(Stream.STDOUT, "a\n"),
                        new ExecutionEvent.Output(Stream.STDOUT, "b\n"), new ExecutionEvent.Output(Stream.STDERR, "w\n"),
                        new ExecutionEvent.Figure(png), new ExecutionEvent.Output(Stream.STDOUT, "c"),
                        new ExecutionEvent.Result(bundle("1"))));
    }

    @Test
    void anUpdateReplacesTheDisplaysWithItsIdAndAnUnknownIdIsDropped() {
        assertEquals(List.of(new CellOutput.Shown(bundle("50%"), "bar"), new CellOutput.Shown(bundle("x"), null),
                        new CellOutput.Shown(bundle("50%"), "bar")),
                fold(new ExecutionEvent.Display(new ExecutionResult.Display(bundle("0%"), "bar", null)),
                        new ExecutionEvent.Display(new ExecutionResult.Display(bundle("x"))),
                        new ExecutionEvent.Display(new ExecutionResult.Display(bundle("0%"), "bar", null)),
                        new ExecutionEvent.Display(new ExecutionResult.Display(bundle("50%"), "bar", true)),
                        new ExecutionEvent.Display(new ExecutionResult.Display(bundle("?"), "other", true))));
    }

    @Test
    void clearOutputEmptiesNowOrJustBeforeTheNextOutput() {
        assertEquals(List.of(new CellOutput.Stream("stdout", "2")),
                fold(new ExecutionEvent.Output(Stream.STDOUT, "0"), new ExecutionEvent.Clear(false),
                        new ExecutionEvent.Output(Stream.STDOUT, "1"), new ExecutionEvent.Clear(true),
                        new ExecutionEvent.Output(Stream.STDOUT, "2")));
        assertEquals(List.of(new CellOutput.Stream("stdout", "1")),
                fold(new ExecutionEvent.Output(Stream.STDOUT, "1"), new ExecutionEvent.Clear(true)),
                "a clear that waits for output that never comes clears nothing");
    }

    @Test
    void theErrorsTracebackIsTheErrorEntryNotStreamTextToo() {
        ExecutionResult.Error error = new ExecutionResult.Error("ValueError", "v", List.of("Traceback:", "ValueError: v"));
        assertEquals(List.of(new CellOutput.Stream("stderr", "warned\n"), new CellOutput.Error(error)),
                fold(new ExecutionEvent.Output(Stream.STDERR, "warned\n"),
                        new ExecutionEvent.Output(Stream.STDERR, error.printed()), new ExecutionEvent.Error(error)));
        assertEquals(List.of(new CellOutput.Stream("stdout", "."), new CellOutput.Error(error)),
                fold(new ExecutionEvent.Output(Stream.STDOUT, "."), new ExecutionEvent.Output(Stream.STDERR, error.printed()),
                        new ExecutionEvent.Error(error)));
    }
}
