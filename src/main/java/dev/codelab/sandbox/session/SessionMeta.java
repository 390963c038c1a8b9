package dev.codelab.sandbox.session;

import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.sandbox.ImageFingerprint;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.Tenant;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a session is, apart from its sandbox: enough for any replica to show it, expire it, or take
 * it over and restore it. Written atomically into the sessions directory (meta.json) whenever the
 * session changes hands or state.
 *
 * @param owner   whose it is: another key, or another user of the same key, never sees it
 * @param files   the session's input files, until its first cell has written them
 * @param lastCell the last cell id its kernel saw: a restored kernel's next cell must be above it
 * @param state   "active" (live on {@code pod}) or "hibernated" (its image beside this file)
 * @param shape   how its sandbox was started (a restore must use the same spec); null while live
 * @param image   what its image needs of the replica that restores it; null while live
 * @param profile the warm profile its kernel started from, kept through hibernation and hand-over;
 *                absent (null) for the default profile, whose records keep format 2, so a replica of
 *                the version before profiles still reads them during a rolling upgrade
 */
@RegisterForReflection
record SessionMeta(int format, String id, Tenant.Owner owner, String language, SandboxLimits limits,
                   Map<String, String> env, List<ExecutionPlan.InputFile> files, long idleTimeoutMs, Instant createdAt,
                   Instant lastUsedAt, Instant endOfLife, int cells, long lastCell, String state, String pod,
                   Shape shape, ImageFingerprint image, @JsonInclude(JsonInclude.Include.NON_NULL) String profile) {

    /** 3: the warm profile; 2: the owner is a key's tenant and the end user it acted for (1 named the tenant alone). */
    static final int FORMAT = 3;
    static final int FORMAT_OF_DEFAULT_PROFILE = 2;
    /** Records this version reads: a format-2 record is a session on the default profile. */
    static final java.util.Set<Integer> READABLE = java.util.Set.of(FORMAT_OF_DEFAULT_PROFILE, FORMAT);
    static final String ACTIVE = "active";
    static final String HIBERNATED = "hibernated";

    /** The sandbox's start: from its profile's warm image (restored) or the cold one, with the limits its spec was shaped by. */
    @RegisterForReflection
    record Shape(boolean warm, SandboxLimits limits) {
    }

    /** The format of a record with this profile (null: the default one). */
    static int formatFor(String profile) {
        return profile == null ? FORMAT_OF_DEFAULT_PROFILE : FORMAT;
    }

    /** Why the session should end now, if it should: idle too long, or too old. */
    EndReason expiry(Instant now) {
        if (endOfLife.isBefore(now)) {
            return EndReason.LIFETIME;
        }
        return lastUsedAt.plusMillis(idleTimeoutMs).isBefore(now) ? EndReason.IDLE_TIMEOUT : null;
    }
}
