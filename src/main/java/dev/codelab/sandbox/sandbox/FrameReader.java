package dev.codelab.sandbox.sandbox;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the supervisor's frames (runsc/PROTOCOL.md): a type byte, the cell id (uint32), the payload
 * length (uint32), the payload. The sandbox is hostile ground, so the header comes first and alone:
 * the caller decides from the declared length whether the payload is worth reading (a frame past
 * the cell's output budget is not). Unknown types and lengths past the largest frame are a protocol
 * error; a frame cut short by the sandbox's end is just the end.
 */
public final class FrameReader {

    public enum Type {
        STDOUT('O'), STDERR('E'), FIGURE('F'), RESULT('R'), DISPLAY('D'), FILES('W'), EXIT('X'), WARMED('K'),
        /** The program's display channel tried to pass the output budget; the payload was not sent. */
        PAST_BUDGET('T'),
        /** The cell's code starts now (its input files are written): the cell's clock starts here. */
        CELL_STARTED('S'),
        /** The cell's code is over: what follows is housekeeping, off the cell's clock. */
        CELL_OVER('C'),
        /** The supervisor refused a message of the service's (id 0): logged, nothing else. */
        REFUSED('P'),
        /** A display with an id ({id, update, data}): a new one, or an update of the one shown with that id. */
        DISPLAY_WITH_ID('U'),
        /** clear_output(): "now", or "wait" (when the next output comes). */
        CLEAR('B'),
        /** The cell's error: {ename, evalue, traceback}. */
        ERROR('V');

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

    /** A frame's header: its type, the cell it belongs to (0: none), and the payload length it declares. */
    public record Header(Type type, long cell, int length) {
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

    /** The next frame's header, or null at the end of the stream. */
    public Header next() throws IOException {
        int code = in.read();
        if (code < 0) {
            return null;
        }
        Type type = Type.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        try {
            long cell = Integer.toUnsignedLong(in.readInt());
            int length = in.readInt();
            if (length < 0 || length > maxFrameBytes) {
                throw new ProtocolException("frame of " + Integer.toUnsignedString(length) + " bytes");
            }
            return new Header(type, cell, length);
        } catch (EOFException e) {
            return null;
        }
    }

    /** Reads past a payload without keeping it; false when the stream ends before its end. */
    public boolean skip(Header header) throws IOException {
        try {
            in.skipNBytes(header.length());
            return true;
        } catch (EOFException e) {
            return false;
        }
    }

    /** The payload that follows a header, or null when the stream ends before all of it. */
    public byte[] payload(Header header) throws IOException {
        byte[] payload = in.readNBytes(header.length());
        return payload.length == header.length() ? payload : null;
    }
}
