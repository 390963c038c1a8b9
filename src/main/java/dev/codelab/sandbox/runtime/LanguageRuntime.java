package dev.codelab.sandbox.runtime;

import java.util.List;

import dev.codelab.sandbox.sandbox.SandboxImage;

/**
 * A language that can run here: the image a cold run starts, the warm variant of it whose program
 * imports the stack first (checkpointed once, restored for every run), and the packages whose
 * versions GET /v1/runtimes lists (distribution names).
 */
public record LanguageRuntime(String language, SandboxImage image, SandboxImage warmImage, List<String> packages) {
}
