package dev.codelab.sandbox.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.sandbox.SandboxConfig;
import dev.codelab.sandbox.sandbox.SandboxWatch;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.newsclub.net.unix.AFUNIXSocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches every run's sandbox through gVisor's runtime monitoring: each sandbox gets a trace
 * session (`--pod-init-config`, in its bundle) whose events stream to a socket of its own, so an
 * event belongs to the sandbox whose socket it came on. The sockets sit in one directory of the
 * state dir under short numbered names: a Unix socket's path holds at most 107 bytes, which a
 * bundle's path (with its sandbox's UUID) would leave little of. A sandbox serves one run, or a session's
 * cells one after another: each run takes the counts since the last one was taken. A restored
 * sandbox (the pool's, a resumed session's) gets a session of its own: none survives a checkpoint.
 */
@ApplicationScoped
public class RuntimeMonitor implements SandboxWatch {

    private static final Logger LOG = Logger.getLogger(RuntimeMonitor.class);
    /** sockaddr_un holds 108 bytes, the terminating NUL included. */
    private static final int MAX_SOCKET_PATH = 107;
    /** The longest socket name: a long in base 36, and ".sock". */
    private static final int MAX_SOCKET_NAME = Long.toString(Long.MAX_VALUE, 36).length() + ".sock".length();
    static final String SESSION = "trace-session.json";

    private final MonitoringConfig config;
    private final ObjectMapper json;
    private final SecurityRules rules;
    private final Map<String, TraceChannel> channels = new ConcurrentHashMap<>();
    private final TraceServer server;
    private final Path sockets;
    private final AtomicLong lastSocket = new AtomicLong();

    RuntimeMonitor(MonitoringConfig config, SandboxConfig sandboxes, ObjectMapper json) throws IOException {
        this.config = config;
        this.sockets = sandboxes.stateDir().toAbsolutePath().resolve("trace");
        if (sockets.toString().getBytes(StandardCharsets.UTF_8).length + 1 + MAX_SOCKET_NAME > MAX_SOCKET_PATH) {
            throw new IOException("codelab.sandbox.state-dir is too long for runtime monitoring's Unix sockets ("
                    + MAX_SOCKET_PATH + " bytes at most, with \"/trace/\" and a socket's name): " + sandboxes.stateDir());
        }
        removeLeftoverSockets();
        Files.createDirectories(sockets);
        this.json = json;
        this.rules = new SecurityRules(config.allowedExecutables(), config.sensitivePaths(), config.protectedPaths());
        boolean usable = config.enabled() && AFUNIXSocket.isSupported();
        if (config.enabled() && !usable) {
            LOG.error("runtime monitoring is on but Unix sockets are not supported here: runs are not watched");
        }
        this.server = usable ? new TraceServer(System::nanoTime) : null;
        if (usable) {
            LOG.infof("runtime monitoring on: each sandbox is read at most %d events/s (bursts of %d)",
                    config.eventsPerSecond(), config.eventBurst());
        }
    }

    @Override
    public List<String> start(String sandboxId, Path dir) throws IOException {
        if (server == null) {
            return List.of();
        }
        Path socket = sockets.resolve(Long.toString(lastSocket.incrementAndGet(), 36) + ".sock");
        Files.createDirectories(dir);
        Path session = dir.toAbsolutePath().resolve(SESSION);
        Files.write(session, json.writeValueAsBytes(TraceSession.podInitConfig(socket)));
        TraceChannel channel = TraceChannel.listen(sandboxId, socket, rules, new SecurityTally(config.maxCount()),
                new TokenBucket(config.eventsPerSecond(), config.eventBurst(), System::nanoTime));
        channels.put(sandboxId, channel);
        server.add(channel);
        return List.of("--pod-init-config=" + session);
    }

    @Override
    public SecurityEvents take(String sandboxId) {
        TraceChannel channel = channels.get(sandboxId);
        return channel == null ? null : channel.take();
    }

    @Override
    public void stop(String sandboxId) {
        TraceChannel channel = channels.remove(sandboxId);
        if (channel != null) {
            // After its last run (a session's program between its last cell and hibernation or its
            // end, or a run that failed before its count): no run to charge, so the log says it.
            SecurityEvents unclaimed = channel.take();
            if (unclaimed != null && unclaimed.total() > 0) {
                LOG.warnf("sandbox %s: seen after its last run, counted for none: %s", sandboxId, unclaimed);
            }
            server.remove(channel);
        }
    }

    /** What a process before this one left (its sandboxes are swept at start-up): numbering starts again. */
    private void removeLeftoverSockets() throws IOException {
        if (Files.isDirectory(sockets)) {
            try (var leftovers = Files.list(sockets)) {
                for (Path leftover : leftovers.toList()) {
                    Files.deleteIfExists(leftover);
                }
            }
        }
    }

    @PreDestroy
    void close() {
        if (server != null) {
            server.close();
        }
    }
}
