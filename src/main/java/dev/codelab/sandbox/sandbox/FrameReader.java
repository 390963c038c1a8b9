package dev.codelab.sandbox.sandbox;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the runner's frames: a type byte, a 4-byte big-endian length, the payload. The runner
 * shares its process with user code, so every frame is checked: unknown types and oversized
 * lengths are a protocol error, and a frame cut short by the sandbox's end is just the end.
 */
public final class FrameReader {

    public enum Type {
        STDOUT('O'), STDERR('E'), FIGURE('F'), RESULT('R'), FILES('W'), EXIT('X'), WARMED('K');

        private final char code;

        Type(char code) {
            this.code = code;
        }

        static Type of(int code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            return null;
        }
    }

    public record Frame(Type type, byte[] payload) {
    }

    /** The sandbox wrote something that is not a frame. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    private final DataInputStream in;
    private final int maxFrameBytes;

    public FrameReader(InputStream in, int maxFrameBytes) {
        this.in = new DataInputStream(in);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The next frame, or null at the end of the stream. */
    public Frame next() throws IOException {
        int code = in.read();
        if (code < 0) {
            return null;
        }
        Type type = Type.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        try {
            int length = in.readInt();
            if (length < 0 || length > maxFrameBytes) {
                throw new ProtocolException("frame of " + Integer.toUnsignedString(length) + " bytes");
            }
            byte[] payload = in.readNBytes(length);
            return payload.length == length ? new Frame(type, payload) : null;
        } catch (EOFException e) {
            return null;
        }
    }
}
