package dev.codelab.sandbox.admission;

import java.time.Duration;

/** Abuse thresholds for tests that build admission by hand. */
record AbuseRules(int maxLimitHits, int maxProbingRuns, Duration window, Duration cooldown, int trackedSubjects,
                  int probingRefusedCalls, int probingExecs) implements AdmissionConfig.Abuse {

    static final AbuseRules DEFAULT = new AbuseRules(10, Duration.ofMinutes(5), Duration.ofMinutes(5));

    /** The default number of probing runs (codelab.admission.abuse.max-probing-runs). */
    AbuseRules(int maxLimitHits, Duration window, Duration cooldown) {
        this(maxLimitHits, 5, window, cooldown);
    }

    AbuseRules(int maxLimitHits, int maxProbingRuns, Duration window, Duration cooldown) {
        this(maxLimitHits, maxProbingRuns, window, cooldown, 10_000);
    }

    AbuseRules(int maxLimitHits, int maxProbingRuns, Duration window, Duration cooldown, int trackedSubjects) {
        this(maxLimitHits, maxProbingRuns, window, cooldown, trackedSubjects, 3, 10);
    }
}
