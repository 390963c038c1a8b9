package dev.codelab.sandbox.monitoring;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest {

    @Test
    void aBurstThenTheRate() {
        AtomicLong now = new AtomicLong();
        TokenBucket bucket = new TokenBucket(10, 3, now::get);
        for (int i = 0; i < 3; i++) {
            assertTrue(bucket.take());
        }
        assertFalse(bucket.take());
        assertEquals(100_000_000, bucket.nanosToNext());
        now.addAndGet(100_000_000);
        assertTrue(bucket.take());
        assertFalse(bucket.take());
        now.addAndGet(10_000_000_000L);
        for (int i = 0; i < 3; i++) {
            assertTrue(bucket.take(), "refilled up to the burst only");
        }
        assertFalse(bucket.take());
    }
}
