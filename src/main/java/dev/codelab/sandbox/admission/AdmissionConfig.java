package dev.codelab.sandbox.admission;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Who may run code here, and how much of the machine they may take. */
@ConfigMapping(prefix = "codelab.admission")
public interface AdmissionConfig {

    /** Executions running at once, whatever their memory. Unset: two per core. */
    @Positive
    OptionalInt maxRunning();

    /** Executions waiting for a slot; past this, 429 at once. */
    @WithDefault("8")
    @PositiveOrZero
    int maxQueued();

    /** Longest a queued execution waits for a slot before it gets 429. */
    @WithDefault("10s")
    Duration maxQueueWait();

    /**
     * API keys (JSON, see README): when set, every /v1 call needs `Authorization: Bearer <key>`.
     * The file is re-read when it changes; no restart needed.
     */
    Optional<Path> keysFile();

    /**
     * Without a keys file the service refuses to start, unless this says it is meant to be open to
     * anyone who can reach it. True in the dev and test profiles; `make run` passes it.
     */
    @WithDefault("false")
    boolean open();

    Anonymous anonymous();

    Memory memory();

    Answers answers();

    Abuse abuse();

    /** What every caller of an open service may do together: they are one tenant, limited like a key. */
    interface Anonymous {
        /** Executions running and queued at once. Unset: only the service's own bounds. */
        @Positive
        OptionalInt maxConcurrent();

        /** Executions started per minute. Unset: no rate limit. */
        @Positive
        OptionalInt perMinute();
    }

    /** Memory for running executions; each holds its memoryMb plus the sandbox's own overhead. */
    interface Memory {
        /**
         * What running executions may hold together, in MiB. Unset: the service's memory (its
         * cgroup's limit, else the host's) less the JVM and the warm pool's budget.
         */
        @Positive
        OptionalInt budgetMb();

        /** What the JVM needs besides its heap: metaspace, code cache, thread stacks, buffers. */
        @WithDefault("256")
        @PositiveOrZero
        int jvmNonHeapMb();
    }

    /**
     * What answers not yet written may hold of the service's memory together: each admitted
     * request holds room for its input and the largest answer its limits allow, until the answer
     * is written or its client is gone.
     */
    interface Answers {
        /** In MiB. Unset: a quarter of the JVM's maximum heap. */
        @Positive
        OptionalInt budgetMb();

        /** An answer whose client reads nothing of it for this long is dropped (its connection closed). */
        @WithDefault("30s")
        Duration stallTimeout();
    }

    /**
     * A subject (an API key, or one end user of a delegating key) whose runs keep hitting limits or
     * probing their sandbox is throttled for a while. A delegating key's perUser.abuse sets its users' own.
     */
    interface Abuse {
        /** Runs ending in timeout, memory_limit, process_limit or output_limit within the window... */
        @WithDefault("10")
        @Positive
        int maxLimitHits();

        /**
         * ...or runs seen probing their sandbox (a protected file or privilege call, repeated refused
         * calls, programs in a loop: codelab.monitoring) within the window...
         */
        @WithDefault("5")
        int maxProbingRuns();

        /** A run probes with this many refused calls or more (or any sensitive path or privilege call)... */
        @WithDefault("3")
        @Positive
        int probingRefusedCalls();

        /** ...or this many programs executed (not the Python runtime); network attempts never count. */
        @WithDefault("10")
        @Positive
        int probingExecs();

        @WithDefault("5m")
        Duration window();

        /** ...throttle the subject for this long. */
        @WithDefault("5m")
        Duration cooldown();

        /**
         * Subjects whose window is remembered at once (for throttling and GET /q/codelab/abuse); past
         * it the least active are forgotten first, never one throttled now.
         */
        @WithDefault("10000")
        @Positive
        int trackedSubjects();
    }
}
