package dev.codelab.sandbox.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A kernel without a sandbox, for the pipeline's logic tests: it answers each message of the
 * service with what its script writes (frames as a supervisor would, runsc/PROTOCOL.md), and keeps
 * what it was sent. What the host would read from the cgroup and the sentry is set by the test.
 */
public final class ScriptedKernel implements Kernel {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] END = new byte[0];

    private final BiConsumer<ScriptedKernel, JsonNode> script;
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final FrameReader frames;
    public final List<JsonNode> received = new CopyOnWriteArrayList<>();
    public volatile boolean killed;
    public volatile LimitEvidence evidence = LimitEvidence.NONE;
    public volatile SecurityEvents seen;
    public volatile SandboxUsage usage = new SandboxUsage(5, 64L << 20);
    public volatile int marks;

    /** {@code script} gets every message the service sends (warmup, cell, interrupt), parsed. */
    public ScriptedKernel(BiConsumer<ScriptedKernel, JsonNode> script) {
        this.script = script;
        this.frames = new FrameReader(new ChunkStream(), 1 << 24);
    }

    /** A frame as the supervisor writes it. */
    public static byte[] frame(char type, long cell, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt((int) cell).putInt(payload.length)
                .put(payload).array();
    }

    public static byte[] frame(char type, long cell, String payload) {
        return frame(type, cell, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes on the frame channel (frames, or anything a hostile sandbox would). */
    public void write(byte[] bytes) {
        if (!killed) {
            chunks.add(bytes);
        }
    }

    /** The cell's code starts: S (the cell's clock starts there). */
    public void start(long cell) {
        write(frame('S', cell, ""));
    }

    /** The usual end of a cell: C, an empty files report, and an exit report. */
    public void finish(long cell, int exitCode, boolean programEnded) {
        write(frame('C', cell, ""));
        write(frame('W', cell, "{\"files\": [], \"omitted\": []}"));
        write(frame('X', cell, "{\"exitCode\": " + exitCode + ", \"signal\": null, \"limit\": null, \"problem\": null,"
                + " \"ended\": " + programEnded + "}"));
    }

    /** The sandbox is gone: its frame channel ends. */
    public void end() {
        chunks.add(END);
        ended.countDown();
    }

    public long interrupts() {
        return received.stream().filter(message -> message.path("type").asText().equals("interrupt")).count();
    }

    @Override
    public String id() {
        return "scripted";
    }

    @Override
    public void send(byte[] message) throws IOException {
        if (killed) {
            throw new IOException("the kernel is gone");
        }
        JsonNode parsed = JSON.readTree(message);
        received.add(parsed);
        script.accept(this, parsed);
    }

    @Override
    public FrameReader frames() {
        return frames;
    }

    @Override
    public boolean isAlive() {
        return ended.getCount() > 0;
    }

    @Override
    public void kill() {
        killed = true;
        end();
    }

    @Override
    public void awaitExit(long timeoutMs) throws InterruptedException {
        if (!ended.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    @Override
    public void markUsage() {
        marks++;
    }

    @Override
    public SandboxUsage usage() {
        return usage;
    }

    @Override
    public LimitEvidence limitEvidence() {
        return evidence;
    }

    @Override
    public SecurityEvents takeSecurityEvents() {
        return seen;
    }

    /** The frame channel: the chunks written, in order, until the end. */
    private final class ChunkStream extends InputStream {
        private byte[] current = new byte[0];
        private int position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (current != END && position == current.length) {
                try {
                    current = chunks.take();
                    position = 0;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            if (current == END) {
                chunks.add(END); // every later read ends too
                return -1;
            }
            int count = Math.min(length, current.length - position);
            System.arraycopy(current, position, into, offset, count);
            position += count;
            return count;
        }
    }
}
