package dev.codelab.sandbox.execution;

import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.Tenant;

import java.util.List;
import java.util.Map;

/** A validated request: everything one run needs, with defaults applied. */
public record ExecutionPlan(Tenant tenant, LanguageRuntime runtime, String code, String stdin,
                            List<InputFile> files, Map<String, String> env, SandboxLimits limits) {

    /** A file to write under /workspace, already decoded. */
    public record InputFile(String path, byte[] content) {
    }
}
