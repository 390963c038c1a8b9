package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.sandbox.SecurityEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over real SOCK_SEQPACKET sockets, with a client that speaks as gVisor's remote sink. */
class TraceServerTest {

    private static final SecurityRules RULES = new SecurityRules(List.of("/usr/bin/python3*"), List.of("/etc/shadow"),
            List.of());

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong();
    private final TraceServer server = newServer();
    private final Map<String, AFUNIXDatagramSocket> clients = new HashMap<>();

    private TraceServer newServer() {
        try {
            return new TraceServer(clock::get);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() throws IOException {
        for (AFUNIXDatagramSocket client : clients.values()) {
            client.close();
        }
        server.close();
    }

    /** A sandbox's channel, served, and a client connected to it as runsc connects (see {@link #client}). */
    private TraceChannel open(String name, int burst, int cap) throws IOException {
        TraceChannel channel = TraceChannel.listen(name, dir.resolve(name + ".sock"), RULES, new SecurityTally(cap),
                new TokenBucket(1, burst, clock::get));
        server.add(channel);
        AFUNIXDatagramSocket client = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET);
        clients.put(name, client);
        client.connect(AFUNIXSocketAddress.of(dir.resolve(name + ".sock")));
        client.setSoTimeout(10_000);
        client.send(new DatagramPacket(new byte[]{0x08, 0x01}, 2));
        DatagramPacket answer = new DatagramPacket(new byte[64], 64);
        client.receive(answer); // runsc waits for the handshake's answer too
        assertArrayEquals(new byte[]{0x08, 0x01}, Arrays.copyOf(answer.getData(), answer.getLength()));
        return channel;
    }

    private AFUNIXDatagramSocket client(String name) {
        return clients.get(name);
    }

    private static void send(AFUNIXDatagramSocket client, byte[] message) throws IOException {
        client.send(new DatagramPacket(message, message.length));
    }

    @Test
    void eventsAreCountedForTheSandboxWhoseSocketTheyCameOn() throws Exception {
        TraceChannel first = open("first", 100, 100);
        TraceChannel second = open("second", 100, 100);
        send(client("first"), TraceMessages.socket(TraceMessages.PROGRAM_UID, 2));
        send(client("first"), TraceMessages.raw(TraceMessages.PROGRAM_UID, 62, 1, 5));
        send(client("second"), TraceMessages.exec(TraceMessages.PROGRAM_UID, "/bin/sh"));
        send(client("second"), TraceMessages.exec(TraceMessages.SUPERVISOR_UID, "/bin/sh"));
        SecurityEvents seenFirst = first.take();
        SecurityEvents seenSecond = second.take();
        assertEquals(1, seenFirst.network());
        assertEquals(1, seenFirst.refused());
        assertEquals(5, seenFirst.droppedEvents(), "the sandbox's own count of dropped points");
        assertEquals(0, seenFirst.exec());
        assertEquals(1, seenSecond.exec());
        assertEquals(0, seenSecond.network());
        assertFalse(Files.exists(dir.resolve("first.sock")), "the socket's name is gone once connected");
    }

    @Test
    void anIdleServerSleeps() throws Exception {
        open("idle", 100, 100);
        long before = server.wakeups();
        Thread.sleep(500);
        assertTrue(server.wakeups() - before < 5, "woke up " + (server.wakeups() - before) + " times");
    }

    @Test
    void malformedMessagesAreDroppedAndCounted() throws Exception {
        TraceChannel channel = open("sandbox", 100, 100);
        AFUNIXDatagramSocket client = client("sandbox");
        send(client, new byte[]{1, 2, 3});
        byte[] cut = TraceMessages.open(TraceMessages.PROGRAM_UID, "/", TraceMessages.AT_FDCWD, null, "/etc/shadow");
        send(client, Arrays.copyOf(cut, cut.length - 6)); // into the path
        send(client, TraceMessages.open(TraceMessages.PROGRAM_UID, "/", TraceMessages.AT_FDCWD, null, "/etc/shadow"));
        SecurityEvents seen = channel.take();
        assertEquals(2, seen.droppedEvents());
        assertEquals(1, seen.sensitivePaths());
    }

    @Test
    void aFloodIsReadOnlyAsFastAsItsBucketAllowsAndCountsStopAtTheCap() throws Exception {
        TraceChannel flooded = open("flooded", 200, 50);
        TraceChannel quiet = open("quiet", 200, 50);
        AFUNIXDatagramSocket flood = client("flooded");
        flood.getChannel().configureBlocking(false);
        byte[] refused = TraceMessages.raw(TraceMessages.PROGRAM_UID, 105, 1, 0);
        int sent = 0;
        int refusedSends = 0;
        for (int i = 0; i < 20_000; i++) {
            if (flood.getChannel().write(ByteBuffer.wrap(refused)) > 0) {
                sent++;
            } else {
                refusedSends++;
            }
        }
        // The clock stands still: past its burst the flooded socket is not read, so it fills up,
        // and a sender (gVisor) has to drop what does not fit.
        assertTrue(refusedSends > 0, "the socket filled up: " + sent + " sent");
        send(client("quiet"), TraceMessages.socket(TraceMessages.PROGRAM_UID, 2));
        await().until(() -> quiet.take().network() == 1);
        SecurityEvents seen = flooded.take();
        assertEquals(Integer.valueOf(50), seen.refusedSyscalls().get("setuid:EPERM"), "capped");
    }
}
