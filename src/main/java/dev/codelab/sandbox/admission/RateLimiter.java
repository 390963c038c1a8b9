package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Executions per minute: per key, and per end user of a delegating key that caps its users (the
 * user's bucket first, then the key's). A token bucket holds a minute's worth, refilled continuously.
 */
@ApplicationScoped
public class RateLimiter {

    private static final class Bucket {
        private final int perMinute;
        private double tokens;
        private long lastNanos = System.nanoTime();

        Bucket(int perMinute) {
            this.perMinute = perMinute;
            tokens = perMinute;
        }

        /** Takes a token, or returns the seconds until one is there. */
        synchronized long take() {
            refill();
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 60.0 / perMinute);
        }

        /** Full again: no different from a bucket not yet made. */
        synchronized boolean full() {
            refill();
            return tokens >= perMinute;
        }

        private void refill() {
            long now = System.nanoTime();
            tokens = Math.min(perMinute, tokens + (now - lastNanos) / 60e9 * perMinute);
            lastNanos = now;
        }
    }

    private final Map<Tenant.Owner, Bucket> buckets = new ConcurrentHashMap<>();

    void acquire(Tenant tenant) {
        take(tenant, tenant.owner(), tenant.user() == null ? tenant.policy().perMinute() : tenant.perUser().perMinute());
        if (tenant.user() != null) {
            take(tenant, tenant.key(), tenant.policy().perMinute()); // the key's total over all its users
        }
    }

    private void take(Tenant tenant, Tenant.Owner owner, Integer perMinute) {
        if (perMinute == null) {
            return;
        }
        Bucket bucket = buckets.compute(owner, (key, old) -> old == null || old.perMinute != perMinute ? new Bucket(perMinute) : old);
        long wait = bucket.take();
        if (wait > 0) {
            String who = owner.user() == null && tenant.user() != null ? "this API key (all its users)" : tenant.subject();
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.RATE,
                    who + " may start " + perMinute + " executions per minute; try again in " + wait + " s", wait);
        }
    }

    /** Buckets that filled up again go: the map holds only who ran within the last minute or so. */
    @Scheduled(every = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetFullBuckets() {
        buckets.values().removeIf(Bucket::full);
    }

    int tracked() {
        return buckets.size();
    }
}
