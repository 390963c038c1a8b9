package dev.codelab.sandbox.session;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sessions that ended lately, and why, so that the next request for one can say so (404 with the
 * reason) instead of "unknown". Bounded: the oldest are forgotten first, and none is kept past an hour.
 */
final class EndedSessions {

    private static final int KEPT = 4096;
    private static final Duration KEPT_FOR = Duration.ofHours(1);

    record Ended(String tenant, EndReason reason, Instant at) {
    }

    private final Map<String, Ended> ended = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Ended> eldest) {
            return size() > KEPT;
        }
    };

    synchronized void add(String id, String tenant, EndReason reason) {
        ended.put(id, new Ended(tenant, reason, Instant.now()));
    }

    /** Why this tenant's session ended, if it did lately; null otherwise (another tenant's is unknown). */
    synchronized EndReason reason(String id, String tenant) {
        Ended found = ended.get(id);
        if (found == null || !found.tenant().equals(tenant) || found.at().plus(KEPT_FOR).isBefore(Instant.now())) {
            return null;
        }
        return found.reason();
    }
}
