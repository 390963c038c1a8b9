package dev.codelab.sandbox.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.execution.ExecutionConfig;
import dev.codelab.sandbox.health.RuntimeProbe;
import dev.codelab.sandbox.health.RuntimeVersions;
import dev.codelab.sandbox.pool.WarmPool;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** GET /v1/runtimes: what can run here, with versions and the limits a request may ask for. */
@Path("/v1/runtimes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "runtimes")
@SecurityRequirement(name = "apiKey")
public class RuntimeResource {

    @RegisterForReflection
    public record RuntimeInfo(String language, String version, Map<String, String> packages, LimitsInfo limits,
                              @Schema(description = "how sandboxes of the default profile start") String sandboxStart,
                              @Schema(description = "the warm profiles, the default first") List<ProfileInfo> profiles) {
    }

    /** A warm profile: what its checkpoint preloads, the imports that pick it, how its sandboxes start. */
    @RegisterForReflection
    public record ProfileInfo(String name, List<String> preloads, List<String> pickedBy, String sandboxStart,
                              @Schema(description = "mean host memory of its restored sandboxes waiting now (none: absent)")
                              @JsonInclude(JsonInclude.Include.NON_NULL) Long pooledSandboxBytes) {
    }

    @RegisterForReflection
    public record LimitsInfo(@JsonProperty("default") LimitValues defaults, LimitValues max) {
    }

    @RegisterForReflection
    public record LimitValues(long timeoutMs, double cpus, int memoryMb, int pids, long outputBytes, int diskMb) {
        /** The configured values, memoryMb no higher than the memory budget holds. */
        static LimitValues of(ExecutionConfig.Limits limits, int largestMemoryMb) {
            return new LimitValues(limits.timeoutMs(), limits.cpus(), Math.min(limits.memoryMb(), largestMemoryMb),
                    limits.pids(), limits.outputBytes(), limits.diskMb());
        }
    }

    private final RuntimeCatalog catalog;
    private final RuntimeProbe probe;
    private final ExecutionConfig config;
    private final WarmPool pool;
    private final Admission admission;

    RuntimeResource(RuntimeCatalog catalog, RuntimeProbe probe, ExecutionConfig config, WarmPool pool,
                    Admission admission) {
        this.pool = pool;
        this.admission = admission;
        this.catalog = catalog;
        this.probe = probe;
        this.config = config;
    }

    @GET
    @Operation(summary = "What can run here: languages, versions, packages, warm profiles, default and maximum limits")
    @APIResponse(responseCode = "200", description = "The runtimes", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "python", value = ApiDocs.RUNTIMES),
            schema = @Schema(type = SchemaType.ARRAY, implementation = RuntimeInfo.class)))
    @APIResponse(responseCode = "401", description = "API keys are configured and the request has none, or a wrong one",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public List<RuntimeInfo> runtimes() {
        RuntimeVersions versions = probe.versions();
        int largestMemoryMb = admission.largestMemoryMb();
        LimitsInfo limits = new LimitsInfo(LimitValues.of(config.defaults(), largestMemoryMb),
                LimitValues.of(config.max(), largestMemoryMb));
        return catalog.all().stream()
                .map(runtime -> new RuntimeInfo(runtime.language(), versions.version(), versions.packages(), limits,
                        pool.startMode(runtime.language(), runtime.defaultProfile().name()),
                        runtime.profiles().stream().map(profile -> new ProfileInfo(profile.name(), profile.preloads(),
                                profile.picks().stream().sorted().toList(),
                                pool.startMode(runtime.language(), profile.name()),
                                pool.pooledSandboxBytes(runtime.language(), profile.name()))).toList()))
                .toList();
    }
}
