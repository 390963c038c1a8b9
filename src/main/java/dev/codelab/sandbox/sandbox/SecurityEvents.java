package dev.codelab.sandbox.sandbox;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sandbox's program was seen trying, from gVisor's runtime monitoring; the supervisor's
 * own calls (uid 0) never count. Kinds are facts, not a partition: {@code setuid(0)} is a
 * privilege attempt and, once refused, a refused call too.
 *
 * @param network         socket() or connect() of an address family other than AF_UNIX
 * @param exec            programs executed other than the allowed ones (the Python runtime)
 * @param sensitivePaths  opens of protected paths: other processes' environment or memory, password hashes, the runner
 * @param privilege       calls that try to change identity or capabilities (setuid family, setgroups, capset)
 * @param refusedSyscalls calls the sandbox's kernel refused (EPERM, EACCES), by name and errno: {@code "kill:EPERM"}
 * @param droppedEvents   events not counted: gVisor dropped them (the listener was behind) or they were malformed
 * @param processLimitHits {@code clone}, {@code fork} or {@code vfork} refused with EAGAIN: the program
 *                        met its process limit. The host's evidence for {@code process_limit}, not a probe.
 */
public record SecurityEvents(int network, int exec, int sensitivePaths, int privilege,
                             Map<String, Integer> refusedSyscalls, long droppedEvents, int processLimitHits) {

    public SecurityEvents {
        refusedSyscalls = Collections.unmodifiableMap(new TreeMap<>(refusedSyscalls));
    }

    public int refused() {
        return refusedSyscalls.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Every event of every kind: what the operators see (securityEvents, metrics). */
    public int total() {
        return network + exec + sensitivePaths + privilege + refused();
    }

    /**
     * Whether the run tried what ordinary notebook code never does, the pattern that throttles its
     * subject: any sensitive path or privilege call; {@code refusedCalls} refused calls or more (one can
     * be a library testing a feature); {@code execs} programs or more (a tool or two through subprocess
     * is teaching code, tens in one run a loop). Network attempts never are: tutorials read URLs, which
     * the sandbox refuses; they are counted and shown, no more.
     */
    public boolean probing(int refusedCalls, int execs) {
        return sensitivePaths > 0 || privilege > 0 || refused() >= refusedCalls || exec >= execs;
    }
}
