package dev.codelab.sandbox.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A root filesystem and the runner command started in it, with its fixed environment. */
public record SandboxImage(Path rootfs, List<String> command, Map<String, String> environment) {
}
