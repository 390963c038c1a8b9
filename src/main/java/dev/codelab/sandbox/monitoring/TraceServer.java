package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.DaemonThreads;
import org.jboss.logging.Logger;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSelectorProvider;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * One thread that serves every sandbox's trace socket: accepts each connection, answers its
 * handshake at once (runsc waits for it before the sandbox boots), and reads messages as they
 * come. A sandbox out of tokens is not read until it has some again; meanwhile its socket fills
 * and gVisor drops its events, so a flood costs this thread a bounded rate per sandbox.
 */
final class TraceServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TraceServer.class);

    private final Selector selector;
    private final Thread thread;
    private final LongSupplier nanoTime;
    private final Queue<Runnable> changes = new ConcurrentLinkedQueue<>();
    private final List<Paused> paused = new ArrayList<>();
    private volatile boolean running = true;
    private volatile long wakeups;

    private record Paused(SelectionKey key, long until) {
    }

    TraceServer(LongSupplier nanoTime) throws IOException {
        this.nanoTime = nanoTime;
        this.selector = AFUNIXSelectorProvider.provider().openSelector();
        this.thread = DaemonThreads.named("sandbox-monitor").newThread(this::serve);
        thread.start();
    }

    /** Starts serving a channel that already listens. */
    void add(TraceChannel channel) {
        change(() -> {
            try {
                channel.listening().register(selector, SelectionKey.OP_READ, channel);
            } catch (IOException e) {
                LOG.warnf("cannot watch a sandbox's trace socket: %s", e.getMessage());
                channel.close();
            }
        });
    }

    /** Stops serving a channel and closes it (on this server's thread, so no read races the close). */
    void remove(TraceChannel channel) {
        change(() -> {
            paused.removeIf(entry -> entry.key().attachment() == channel);
            channel.close();
        });
    }

    /** Times the loop woke up: once per batch of messages, change or resume, never while idle. */
    long wakeups() {
        return wakeups;
    }

    @Override
    public void close() {
        LOG.debugf("the sandbox monitor woke up %d times", wakeups);
        running = false;
        selector.wakeup();
        try {
            thread.join(2000);
            selector.close();
        } catch (IOException e) {
            LOG.debugf("closing the trace selector: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void change(Runnable change) {
        changes.add(change);
        selector.wakeup();
    }

    private void serve() {
        while (running) {
            try {
                long timeout = untilNextResume();
                if (timeout > 0) {
                    selector.select(timeout);
                } else {
                    selector.select(); // junixsocket's select(0) returns at once, unlike the JDK's
                }
                wakeups++;
                for (Runnable change = changes.poll(); change != null; change = changes.poll()) {
                    change.run();
                }
                resumeDue();
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    handle(key);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "the sandbox monitor's loop failed; going on");
            }
        }
    }

    /** Accepts the sandbox's connection, or reads what it sent. */
    private void handle(SelectionKey key) {
        TraceChannel channel = (TraceChannel) key.attachment();
        if (!key.isValid()) {
            return;
        }
        try {
            if (!channel.connected()) {
                AFUNIXDatagramChannel connection = channel.accept();
                if (connection != null) {
                    key.cancel();
                    connection.register(selector, SelectionKey.OP_READ, channel);
                }
            } else if (!channel.pump()) {
                key.interestOps(0);
                paused.add(new Paused(key, nanoTime.getAsLong() + channel.nanosToNextRead()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("a sandbox's trace stream broke: %s", e.getMessage());
            key.cancel();
            channel.close();
        }
    }

    private void resumeDue() {
        long now = nanoTime.getAsLong();
        paused.removeIf(entry -> {
            if (entry.until() - now > 0) {
                return false;
            }
            if (entry.key().isValid()) {
                entry.key().interestOps(SelectionKey.OP_READ);
            }
            return true;
        });
    }

    /** Milliseconds to wait for sockets before a paused one may be read again (0: none is paused). */
    private long untilNextResume() {
        long now = nanoTime.getAsLong();
        return paused.stream().mapToLong(entry -> Math.max(1, (entry.until() - now + 999_999) / 1_000_000))
                .min().orElse(0);
    }
}
