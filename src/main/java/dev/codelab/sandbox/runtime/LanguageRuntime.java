package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.sandbox.SandboxImage;

/** A language that can run here and the sandbox image that runs it. */
public record LanguageRuntime(String language, SandboxImage image) {
}
