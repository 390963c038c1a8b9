package dev.codelab.sandbox.pool;

import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.StartMode;

/** A sandbox ready for one run, with its limits applied, and how it was obtained. */
public record AcquiredSandbox(Sandbox sandbox, StartMode mode) {
}
