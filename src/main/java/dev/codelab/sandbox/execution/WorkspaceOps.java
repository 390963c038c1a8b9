package dev.codelab.sandbox.execution;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * A session's file operations, asked of the supervisor with a cell of empty code (the cell
 * message's {@code workspace}, runsc/PROTOCOL.md): deletes first, then reads, and a listing if asked.
 * Paths are checked by the caller, by the path rule.
 */
@RegisterForReflection
public record WorkspaceOps(boolean list, List<String> read, List<String> delete) {

    public static WorkspaceOps listing() {
        return new WorkspaceOps(true, List.of(), List.of());
    }

    public static WorkspaceOps reading(String path) {
        return new WorkspaceOps(false, List.of(path), List.of());
    }

    public static WorkspaceOps deleting(String path) {
        return new WorkspaceOps(false, List.of(), List.of(path));
    }

    /** An upload asks nothing more: its answer says whether it replaced a file. */
    public static WorkspaceOps none() {
        return new WorkspaceOps(false, List.of(), List.of());
    }
}
