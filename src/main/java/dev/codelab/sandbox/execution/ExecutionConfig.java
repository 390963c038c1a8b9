package dev.codelab.sandbox.execution;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of executions: per-request defaults and maxima, and caps on what goes in and out. */
@ConfigMapping(prefix = "codelab.execution")
public interface ExecutionConfig {

    /** Values used when a request leaves a limit out. */
    Limits defaults();

    /** The largest value a request may ask for. */
    Limits max();

    Input input();

    Output output();

    /** The six per-request limits; their values are in application.properties. */
    interface Limits {
        long timeoutMs();

        double cpus();

        int memoryMb();

        int pids();

        long outputBytes();

        int diskMb();
    }

    /** Caps on a request's own size. */
    interface Input {
        @WithDefault("1048576")
        int codeBytes();

        @WithDefault("1048576")
        int stdinBytes();

        @WithDefault("64")
        int files();

        @WithDefault("8388608")
        long filesBytes();

        @WithDefault("64")
        int envVariables();

        @WithDefault("8")
        int pathDepth();
    }

    /** Caps on what a run sends back besides stdout and stderr. */
    interface Output {
        @WithDefault("64")
        int files();

        @WithDefault("8388608")
        long fileBytes();

        @WithDefault("16777216")
        long filesBytes();

        @WithDefault("8")
        int fileDepth();

        @WithDefault("32")
        int figures();

        @WithDefault("16777216")
        long figuresBytes();

        @WithDefault("256")
        int displays();
    }
}
