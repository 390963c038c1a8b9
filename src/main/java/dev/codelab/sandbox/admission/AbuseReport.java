package dev.codelab.sandbox.admission;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * GET /q/codelab/abuse: the subjects throttled now, and those with the most limit hits, security
 * events and CPU within the abuse window (each list the top few; counts are exact to a fifth of the
 * window). A subject is a key's tenant, with the end user a delegating key named, if any.
 *
 * @param tracked  subjects remembered now, at most {@code capacity} (codelab.admission.abuse.tracked-subjects)
 */
@RegisterForReflection
public record AbuseReport(String window, int tracked, int capacity, List<Subject> throttled,
                          List<Subject> mostLimitHits, List<Subject> mostSecurityEvents, List<Subject> mostCpu) {

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Subject(String tenant, String user, Activity activity, Long throttledForSeconds, String reason) {
    }

    /** What a subject did within the window. */
    @RegisterForReflection
    public record Activity(long runs, long limitHits, long securityEvents, long cpuMs) {

        /** How much forgetting it would lose: a limit hit or a security event outweighs ten quiet runs. */
        long weight() {
            return runs + limitHits * 10 + securityEvents * 10 + cpuMs / 1000;
        }
    }
}
