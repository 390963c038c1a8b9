package dev.codelab.sandbox.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Creates sandboxes, remembers the live ones, and tears each down off the request's path. */
@ApplicationScoped
public class Sandboxes {

    private static final Logger LOG = Logger.getLogger(Sandboxes.class);

    private final SandboxConfig config;
    private final ObjectMapper json;
    private final Runsc runsc;
    private final Path bundles;
    private final String runnerDir;
    private final JsonNode seccompProfile;
    private final Map<String, Sandbox> live = new ConcurrentHashMap<>();
    private final ExecutorService teardown = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandbox-teardown");
        thread.setDaemon(true);
        return thread;
    });

    Sandboxes(SandboxConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.runsc = new Runsc(config, config.stateDir().toAbsolutePath().resolve("runsc"));
        this.bundles = config.stateDir().toAbsolutePath().resolve("bundles");
        this.runnerDir = config.runnerDir().toAbsolutePath().normalize().toString();
        try {
            this.seccompProfile = json.readTree(config.seccompProfile().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the seccomp profile " + config.seccompProfile(), e);
        }
    }

    /** Starts a sandbox for one run; the caller must hand it back to {@link #release}. */
    public Sandbox start(String executionId, SandboxImage image, SandboxLimits limits) throws IOException {
        String id = "codelab-" + executionId;
        Cgroup cgroup = new Cgroup(config.cgroupRoot(), config.cgroupParent(), id);
        Sandbox sandbox = new Sandbox(id, bundles.resolve(id), cgroup, runsc, config.maxFrameBytes());
        Map<String, Object> spec = OciSpec.of(image, runnerDir, limits, cgroup.specPath(), seccompProfile,
                config.openFiles());
        live.put(id, sandbox);
        try {
            sandbox.start(json.writeValueAsBytes(spec), limits, config.sentryOverheadMb(), config.hostPidsLimit());
        } catch (IOException | RuntimeException e) {
            release(sandbox);
            throw e;
        }
        return sandbox;
    }

    /** Tears a finished (or abandoned) sandbox down in the background. */
    public void release(Sandbox sandbox) {
        teardown.execute(() -> {
            sandbox.destroy();
            live.remove(sandbox.id());
        });
    }

    public int liveCount() {
        return live.size();
    }

    /** Removes what an earlier process of this service left: sandboxes, bundles, cgroups. */
    public void sweepLeftovers() {
        new LeftoverSweeper(runsc, bundles, config).sweep();
    }

    void onShutdown(@Observes ShutdownEvent event) {
        live.values().forEach(sandbox -> teardown.execute(sandbox::destroy));
        teardown.shutdown();
        try {
            if (!teardown.awaitTermination(20, TimeUnit.SECONDS)) {
                LOG.warnf("%d sandboxes still being torn down at shutdown", live.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean runnerPresent() {
        return Files.isRegularFile(Path.of(runnerDir, "codelab_runner.py"));
    }
}
