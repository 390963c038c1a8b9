package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.Tenant;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated session request: whose it is, its language and warm profile, limits, environment,
 * files and idle timeout. {@code profileNamed}: the request named the profile; when it did not,
 * the session's first cell may move it to the profile its imports pick ({@link ProfileUpgrade}).
 */
public record SessionSpec(Tenant tenant, LanguageRuntime runtime, WarmProfile profile, boolean profileNamed,
                          SandboxLimits limits, Map<String, String> env,
                          List<ExecutionPlan.InputFile> files, Duration idleTimeout) {

    SessionSpec withProfile(WarmProfile other) {
        return new SessionSpec(tenant, runtime, other, profileNamed, limits, env, files, idleTimeout);
    }
}
