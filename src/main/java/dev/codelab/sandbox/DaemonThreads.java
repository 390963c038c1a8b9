package dev.codelab.sandbox;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads for the service's small background executors (timers, teardown, probes). */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
