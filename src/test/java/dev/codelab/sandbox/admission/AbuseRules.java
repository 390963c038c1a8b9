package dev.codelab.sandbox.admission;

import java.time.Duration;

/** Abuse thresholds for tests that build admission by hand. */
record AbuseRules(int maxLimitHits, Duration window, Duration cooldown) implements AdmissionConfig.Abuse {

    static final AbuseRules DEFAULT = new AbuseRules(10, Duration.ofMinutes(5), Duration.ofMinutes(5));
}
