package dev.codelab.sandbox.execution;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds a cell's events into its ordered outputs, as a notebook shows them: a stream's consecutive
 * text is one entry, an update replaces the data of the displays with its id (an update of an id
 * not shown is dropped, as Jupyter drops it), and clear_output empties the list, at once or (wait)
 * just before the next output. The error's traceback, sent on stderr just before the error for the
 * streams' readers, is the error entry here, not stream text too.
 */
final class CellOutputs {

    private final List<CellOutput> outputs = new ArrayList<>();
    private boolean clearPending;
    private String lastStderr;

    void add(ExecutionEvent event) {
        String stderr = lastStderr;
        lastStderr = null;
        if (event instanceof ExecutionEvent.Output output) {
            stream(output);
        } else if (event instanceof ExecutionEvent.Display shown) {
            if (Boolean.TRUE.equals(shown.display().update())) {
                update(shown.display());
            } else {
                append(new CellOutput.Shown(shown.display().data(), shown.display().displayId()));
            }
        } else if (event instanceof ExecutionEvent.Figure figure) {
            append(new CellOutput.Figure(figure.figure()));
        } else if (event instanceof ExecutionEvent.Result result) {
            append(new CellOutput.Result(result.bundle()));
        } else if (event instanceof ExecutionEvent.Error error) {
            dropTraceback(stderr, error.error());
            append(new CellOutput.Error(error.error()));
        } else if (event instanceof ExecutionEvent.Clear clear) {
            clearPending = clear.untilNext();
            if (!clear.untilNext()) {
                outputs.clear();
            }
        }
    }

    private void stream(ExecutionEvent.Output output) {
        String name = output.stream() == ExecutionEvent.Stream.STDOUT ? "stdout" : "stderr";
        lastStderr = output.stream() == ExecutionEvent.Stream.STDERR ? output.text() : null;
        if (!outputs.isEmpty() && !clearPending && outputs.get(outputs.size() - 1) instanceof CellOutput.Stream last
                && last.name().equals(name)) {
            outputs.set(outputs.size() - 1, new CellOutput.Stream(name, last.text() + output.text()));
        } else {
            append(new CellOutput.Stream(name, output.text()));
        }
    }

    List<CellOutput> outputs() {
        return List.copyOf(outputs);
    }

    private void append(CellOutput output) {
        if (clearPending) {
            outputs.clear();
            clearPending = false;
        }
        outputs.add(output);
    }

    private void update(ExecutionResult.Display display) {
        outputs.replaceAll(output -> output instanceof CellOutput.Shown shown && display.displayId().equals(shown.displayId())
                ? new CellOutput.Shown(display.data(), shown.displayId()) : output);
    }

    /** The traceback's text, when it is the end of the last stderr entry (the event just before the error). */
    private void dropTraceback(String stderr, ExecutionResult.Error error) {
        String text = error.printed();
        if (stderr == null || !stderr.equals(text) || outputs.isEmpty()
                || !(outputs.get(outputs.size() - 1) instanceof CellOutput.Stream last) || !last.text().endsWith(text)) {
            return;
        }
        String rest = last.text().substring(0, last.text().length() - text.length());
        if (rest.isEmpty()) {
            outputs.remove(outputs.size() - 1);
        } else {
            outputs.set(outputs.size() - 1, new CellOutput.Stream(last.name(), rest));
        }
    }
}
