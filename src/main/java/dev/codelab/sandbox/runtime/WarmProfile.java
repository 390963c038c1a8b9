package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.sandbox.SandboxImage;

import java.util.List;
import java.util.Set;

/**
 * One warm image of a language: its own checkpoint and pool. A later profile preloads everything an
 * earlier one does and more, so a run on a larger profile than it needed only costs memory, and one
 * on a smaller profile only pays its imports.
 *
 * @param preloads  the modules imported before the checkpoint (GET /v1/runtimes lists them)
 * @param picks     top-level modules whose import in a run's code picks this profile
 * @param warmImage the runner command that preloads them
 */
public record WarmProfile(String name, List<String> preloads, Set<String> picks, SandboxImage warmImage) {
}
