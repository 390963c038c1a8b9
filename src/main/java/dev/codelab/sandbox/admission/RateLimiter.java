package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Executions per minute per key: a token bucket holding a minute's worth, refilled continuously. */
@ApplicationScoped
public class RateLimiter {

    private static final class Bucket {
        private double tokens;
        private long lastNanos = System.nanoTime();

        Bucket(int perMinute) {
            tokens = perMinute;
        }

        /** Takes a token, or returns the seconds until one is there. */
        synchronized long take(int perMinute) {
            long now = System.nanoTime();
            tokens = Math.min(perMinute, tokens + (now - lastNanos) / 60e9 * perMinute);
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 60.0 / perMinute);
        }
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    void acquire(Tenant tenant) {
        Integer perMinute = tenant.policy().perMinute();
        if (perMinute == null) {
            return;
        }
        long wait = buckets.computeIfAbsent(tenant.name(), name -> new Bucket(perMinute)).take(perMinute);
        if (wait > 0) {
            throw new AdmissionRejectedException(AdmissionRejectedException.Reason.RATE,
                    tenant.subject() + " may start " + perMinute + " executions per minute; try again in " + wait
                            + " s", wait);
        }
    }
}
