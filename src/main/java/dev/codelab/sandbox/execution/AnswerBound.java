package dev.codelab.sandbox.execution;

import java.nio.charset.StandardCharsets;

/**
 * The most a request can hold of the service's memory while it runs and until its answer is
 * written, from its limits: its own input, and its answer. The output counts as the answer holds it
 * (see {@link JsonText}); figures travel as base64 and, in a stream, twice (as events and in
 * {@code done}); files as base64.
 */
public final class AnswerBound {

    private static final long FIXED_BYTES = 256 * 1024;
    /** One listed or omitted file: a path of at most 255 characters (UTF-8, JSON-escaped), a size or reason. */
    private static final long LISTED_FILE_BYTES = 2048;

    private AnswerBound() {
    }

    public static long bytes(ExecutionPlan plan, ExecutionConfig.Output caps) {
        long input = plan.files().stream().mapToLong(file -> file.content().length).sum() * 4 / 3
                + plan.code().getBytes(StandardCharsets.UTF_8).length + plan.stdin().getBytes(StandardCharsets.UTF_8).length;
        // a file operation's answer: the files it read (base64 in the frame, bytes in the answer), a listing's lines
        long workspace = plan.workspace() == null ? 0
                : caps.filesBytes() * 7 / 3 + (long) caps.files() * 2 * LISTED_FILE_BYTES;
        return plan.limits().outputBytes() * 8 / 3 + caps.filesBytes() * 4 / 3 + input + workspace + FIXED_BYTES;
    }
}
