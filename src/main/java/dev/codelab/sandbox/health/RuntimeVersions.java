package dev.codelab.sandbox.health;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/** Versions found by the canary, shown by GET /v1/runtimes. */
@RegisterForReflection
public record RuntimeVersions(String version, Map<String, String> packages) {
}
