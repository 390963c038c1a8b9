package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.sandbox.SandboxImage;

/**
 * A language that can run here: the image a cold run starts, and the warm variant of it whose
 * runner imports the stack first, to be checkpointed once and restored for every run.
 */
public record LanguageRuntime(String language, SandboxImage image, SandboxImage warmImage) {
}
