package dev.codelab.sandbox.sandbox;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a run's sandbox came to be. */
public enum StartMode {
    /** Taken from the pool of restored sandboxes: the run pays only for its own code. */
    WARM,
    /** Restored from the checkpoint on demand (~0.3 s) because the pool was empty. */
    RESTORED,
    /** Started with `runsc run`: imports are paid by the run. */
    COLD;

    @JsonValue
    public String value() {
        return name().toLowerCase();
    }
}
