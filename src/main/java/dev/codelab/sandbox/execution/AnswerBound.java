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

    private AnswerBound() {
    }

    public static long bytes(ExecutionPlan plan, ExecutionConfig.Output caps) {
        long input = plan.files().stream().mapToLong(file -> file.content().length).sum() * 4 / 3
                + plan.code().getBytes(StandardCharsets.UTF_8).length + plan.stdin().getBytes(StandardCharsets.UTF_8).length;
        return plan.limits().outputBytes() * 8 / 3 + caps.filesBytes() * 4 / 3 + input + FIXED_BYTES;
    }
}
