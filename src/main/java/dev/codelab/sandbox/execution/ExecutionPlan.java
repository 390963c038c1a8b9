package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.Tenant;

import java.util.List;
import java.util.Map;

/**
 * A validated request: everything one run needs, with defaults applied. {@code profile}: the warm
 * image its sandbox comes from; {@code workspace}: a session's file operations, for a cell of empty
 * code (null for any other cell or run).
 */
public record ExecutionPlan(Tenant tenant, LanguageRuntime runtime, WarmProfile profile, String code, String stdin,
                            List<InputFile> files, Map<String, String> env, SandboxLimits limits,
                            WorkspaceOps workspace) {

    public ExecutionPlan(Tenant tenant, LanguageRuntime runtime, WarmProfile profile, String code, String stdin,
                         List<InputFile> files, Map<String, String> env, SandboxLimits limits) {
        this(tenant, runtime, profile, code, stdin, files, env, limits, null);
    }

    public ExecutionPlan withWorkspace(WorkspaceOps ops) {
        return new ExecutionPlan(tenant, runtime, profile, code, stdin, files, env, limits, ops);
    }

    /** The profile's name, as the answer and the audit line show it. */
    public String profileName() {
        return profile == null ? null : profile.name();
    }

    /** A file to write under /workspace, already decoded. */
    public record InputFile(String path, byte[] content) {
    }
}
