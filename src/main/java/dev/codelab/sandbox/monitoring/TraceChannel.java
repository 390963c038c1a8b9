package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.sandbox.SecurityEvents;
import org.jboss.logging.Logger;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One sandbox's end of its trace stream: a SOCK_SEQPACKET socket that listens for the sandbox's
 * one connection (runsc connects before the sandbox boots and waits for the handshake), then
 * messages, each turned into counts at once. Reads never block; what is read is paid for from the
 * sandbox's token bucket, so a sandbox that floods is simply read no faster.
 */
final class TraceChannel {

    private static final Logger LOG = Logger.getLogger(TraceChannel.class);
    /** gVisor's handshake: protocol version 1 (protobuf: field 1, varint 1). */
    private static final byte[] HANDSHAKE = {0x08, 0x01};
    /** Larger than any message this service reads (an open's three paths); a longer one is cut here. */
    static final int MESSAGE_BYTES = 16 * 1024;
    /** At most this many messages per take: more than a socket holds, fewer than a flood sends meanwhile. */
    private static final int DRAIN_MESSAGES = 1024;

    private final String sandboxId;
    private final Path path;
    private final AFUNIXDatagramSocket listener;
    private final SecurityRules rules;
    private final SecurityTally tally;
    private final TokenBucket bucket;
    private final ByteBuffer buffer = ByteBuffer.allocate(MESSAGE_BYTES);
    private AFUNIXDatagramChannel connection;
    private boolean handshaken;
    private boolean closed;
    private long messages;

    private TraceChannel(String sandboxId, Path path, AFUNIXDatagramSocket listener, SecurityRules rules,
                         SecurityTally tally, TokenBucket bucket) {
        this.sandboxId = sandboxId;
        this.path = path;
        this.listener = listener;
        this.rules = rules;
        this.tally = tally;
        this.bucket = bucket;
    }

    /** Listens at {@code path} (non-blocking) before the sandbox's runsc is started. */
    static TraceChannel listen(String sandboxId, Path path, SecurityRules rules, SecurityTally tally,
                               TokenBucket bucket) throws IOException {
        Files.deleteIfExists(path);
        AFUNIXDatagramSocket listener = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET);
        try {
            listener.bind(AFUNIXSocketAddress.of(path));
            listener.listen(1);
            listener.getChannel().configureBlocking(false);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        return new TraceChannel(sandboxId, path, listener, rules, tally, bucket);
    }

    AFUNIXDatagramChannel listening() {
        return listener.getChannel();
    }

    synchronized boolean connected() {
        return connection != null;
    }

    /** Takes the sandbox's connection, if it has come; null otherwise. The listener is done then. */
    synchronized AFUNIXDatagramChannel accept() throws IOException {
        if (connection != null || closed) {
            return null;
        }
        AFUNIXDatagramSocket accepted;
        try {
            accepted = (AFUNIXDatagramSocket) listener.accept();
        } catch (IllegalBlockingModeException e) {
            return null; // junixsocket's way of saying "none yet" on a non-blocking socket
        }
        if (accepted == null) {
            return null;
        }
        connection = accepted.getChannel();
        connection.configureBlocking(false);
        listener.close();
        Files.deleteIfExists(path);
        return connection;
    }

    /** Reads what has arrived, a token per message; false once the tokens are spent (pause reading). */
    synchronized boolean pump() throws IOException {
        while (readOne()) {
            if (!bucket.take()) {
                return false;
            }
        }
        return true;
    }

    synchronized long nanosToNextRead() {
        return bucket.nanosToNext();
    }

    /**
     * Reads everything the sandbox has sent so far, then takes the counts since the last take (null
     * if it never connected: runsc connects before the sandbox boots). The run's program has
     * reported its end by now, and gVisor wrote each of its events before the call returned.
     */
    synchronized SecurityEvents take() {
        try {
            for (int i = 0; i < DRAIN_MESSAGES && readOne(); i++) {
                // counted as read
            }
        } catch (IOException e) {
            LOG.debugf("sandbox %s: trace stream ended: %s", sandboxId, e.getMessage());
        }
        return connection == null ? null : tally.take();
    }

    synchronized void close() {
        LOG.debugf("sandbox %s: %d trace messages read, %d not counted", sandboxId, messages,
                tally.snapshot().droppedEvents());
        closed = true;
        closeQuietly(listener);
        if (connection != null) {
            closeQuietly(connection);
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debugf("sandbox %s: %s", sandboxId, e.getMessage());
        }
    }

    /** One message, if one is waiting. */
    private boolean readOne() throws IOException {
        if (connection == null || closed) {
            return false;
        }
        buffer.clear();
        int length = connection.read(buffer);
        if (length <= 0) {
            return false;
        }
        if (!handshaken) {
            handshake(length);
        } else {
            count(length);
        }
        return true;
    }

    /** The sandbox says its protocol version first; this service speaks version 1. */
    private void handshake(int length) throws IOException {
        long version = 0;
        try {
            ProtoReader reader = new ProtoReader(buffer.array(), 0, length);
            while (reader.next()) {
                if (reader.field() == 1) {
                    version = reader.varintValue();
                } else {
                    reader.skip();
                }
            }
        } catch (ProtoReader.Malformed e) {
            version = 0;
        }
        if (version < 1 || connection.write(ByteBuffer.wrap(HANDSHAKE)) != HANDSHAKE.length) {
            throw new IOException("a handshake of version " + version);
        }
        handshaken = true;
    }

    private void count(int length) {
        messages++;
        byte[] message = buffer.array();
        tally.sandboxDropped(TraceDecoder.dropped(message, length));
        try {
            TraceEvent event = TraceDecoder.decode(message, length, length == MESSAGE_BYTES);
            String counted = event == null ? null : rules.apply(event, tally);
            if (counted != null) {
                LOG.debugf("sandbox %s: %s", sandboxId, counted);
            }
        } catch (ProtoReader.Malformed e) {
            tally.malformed();
            LOG.debugf("sandbox %s: dropped a malformed trace message: %s", sandboxId, e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debugf("closing a trace socket: %s", e.getMessage());
        }
    }
}
