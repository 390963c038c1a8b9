package dev.codelab.sandbox.runtime;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;

/** Where each language's sandbox image lives. */
@ConfigMapping(prefix = "codelab.runtime")
public interface RuntimeConfig {

    Python python();

    interface Python {
        /** Root filesystem made by runsc/python-rootfs.sh. */
        Path rootfs();
    }
}
