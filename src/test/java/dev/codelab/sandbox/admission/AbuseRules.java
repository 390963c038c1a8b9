package dev.codelab.sandbox.admission;

import java.time.Duration;

/** Abuse thresholds for tests that build admission by hand. */
record AbuseRules(int maxLimitHits, int maxProbingRuns, Duration window, Duration cooldown)
        implements AdmissionConfig.Abuse {

    static final AbuseRules DEFAULT = new AbuseRules(10, Duration.ofMinutes(5), Duration.ofMinutes(5));

    /** The default number of probing runs (codelab.admission.abuse.max-probing-runs). */
    AbuseRules(int maxLimitHits, Duration window, Duration cooldown) {
        this(maxLimitHits, 5, window, cooldown);
    }
}
