package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.sandbox.SecurityEvents;

import java.util.HashMap;
import java.util.Map;

/**
 * One sandbox's counts since they were last taken (a run's: a session's sandbox serves one cell
 * after another). Each saturates at a cap, and refused calls are keyed by a fixed set of names and
 * two errno values, so a flood leaves the same few numbers behind as a probe.
 */
final class SecurityTally {

    private final int cap;
    private int network;
    private int exec;
    private int sensitivePaths;
    private int privilege;
    private final Map<String, Integer> refused = new HashMap<>();
    private int processLimitHits;
    /** The sandbox's running count of dropped points, as last heard, and as it was when last taken. */
    private long sandboxDropped;
    private long sandboxDroppedTaken;
    private long malformed;

    SecurityTally(int cap) {
        this.cap = cap;
    }

    synchronized void network() {
        network = bump(network);
    }

    synchronized void exec() {
        exec = bump(exec);
    }

    synchronized void sensitivePath() {
        sensitivePaths = bump(sensitivePaths);
    }

    synchronized void privilege() {
        privilege = bump(privilege);
    }

    synchronized void refused(String call) {
        refused.merge(call, 1, (count, one) -> bump(count));
    }

    synchronized void processLimitHit() {
        processLimitHits = bump(processLimitHits);
    }

    /** The sandbox's own running count of points it could not send (a u32 that wraps). */
    synchronized void sandboxDropped(long count) {
        if (count >= 0) {
            sandboxDropped = count;
        }
    }

    synchronized void malformed() {
        malformed++;
    }

    /** The counts since they were last taken, without taking them. */
    synchronized SecurityEvents snapshot() {
        return new SecurityEvents(network, exec, sensitivePaths, privilege, refused,
                ((sandboxDropped - sandboxDroppedTaken) & 0xFFFF_FFFFL) + malformed, processLimitHits);
    }

    /** The counts since they were last taken; they start again from zero. */
    synchronized SecurityEvents take() {
        SecurityEvents seen = snapshot();
        network = 0;
        exec = 0;
        sensitivePaths = 0;
        privilege = 0;
        refused.clear();
        processLimitHits = 0;
        sandboxDroppedTaken = sandboxDropped;
        malformed = 0;
        return seen;
    }

    private int bump(int count) {
        return Math.min(count + 1, cap);
    }
}
