package dev.codelab.sandbox.monitoring;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Messages as gVisor's remote sink writes them (header, then protobuf), for tests. */
final class TraceMessages {

    static final int PROGRAM_UID = 1000;
    static final int SUPERVISOR_UID = 0;
    static final long AT_FDCWD = -100;

    private TraceMessages() {
    }

    static final int O_RDONLY_CLOEXEC = 0x80000;
    static final int O_WRONLY_CREAT = 01 | 0100;

    /** syscall/openat/enter: who, where, which path (relative to cwd or a directory descriptor), to read. */
    static byte[] open(int uid, String cwd, long dirFd, String dirPath, String path) {
        return open(uid, cwd, dirFd, dirPath, path, O_RDONLY_CLOEXEC);
    }

    static byte[] open(int uid, String cwd, long dirFd, String dirPath, String path, int flags) {
        Proto payload = new Proto().message(1, context(uid, cwd)).varint(3, 257).varint(4, dirFd);
        if (dirPath != null) {
            payload.string(5, dirPath);
        }
        return message(TraceDecoder.SYSCALL_OPEN, 0, payload.string(6, path).varint(7, flags));
    }

    static byte[] socket(int uid, int domain) {
        return message(TraceDecoder.SYSCALL_SOCKET, 0,
                new Proto().message(1, context(uid, null)).varint(3, 41).varint(4, domain).varint(5, 1));
    }

    static byte[] connect(int uid, int family) {
        byte[] address = {(byte) family, 0, 0, 80, 127, 0, 0, 1};
        return message(TraceDecoder.SYSCALL_CONNECT, 0,
                new Proto().message(1, context(uid, null)).varint(3, 42).varint(4, 3).bytes(6, address));
    }

    static byte[] exec(int uid, String binary) {
        return message(TraceDecoder.SENTRY_EXEC, 0,
                new Proto().message(1, context(uid, null)).string(2, binary).string(3, "arg"));
    }

    /** A raw syscall/sysno/N point: entry (errno null) or exit. */
    static byte[] raw(int uid, int sysno, Integer errno, long dropped) {
        Proto payload = new Proto().message(1, context(uid, null));
        if (errno != null) {
            payload.message(2, new Proto().varint(1, 0).varint(2, errno));
        }
        return message(TraceDecoder.SYSCALL_RAW, dropped, payload.varint(4, sysno).varint(5, 0));
    }

    /** syscall/setuid/enter or exit (the Setid schema). */
    static byte[] setuid(int uid, Integer errno) {
        Proto payload = new Proto().message(1, context(uid, null));
        if (errno != null) {
            payload.message(2, new Proto().varint(2, errno));
        }
        return message(TraceDecoder.SYSCALL_SETID, 0, payload.varint(3, 105).varint(4, 0));
    }

    static byte[] message(int type, long dropped, Proto payload) {
        byte[] body = payload.toBytes();
        byte[] message = new byte[TraceDecoder.HEADER_BYTES + body.length];
        message[0] = TraceDecoder.HEADER_BYTES;
        message[2] = (byte) type;
        message[3] = (byte) (type >> 8);
        for (int i = 0; i < 4; i++) {
            message[4 + i] = (byte) (dropped >> (8 * i));
        }
        System.arraycopy(body, 0, message, TraceDecoder.HEADER_BYTES, body.length);
        return message;
    }

    private static Proto context(int uid, String cwd) {
        Proto credentials = new Proto();
        if (uid != 0) {
            credentials.varint(1, uid).varint(2, uid).varint(3, uid);
        }
        Proto context = new Proto().varint(1, 1_700_000_000_000_000_000L).varint(2, 7).message(7, credentials);
        return cwd == null ? context : context.string(8, cwd);
    }

    /** A protobuf writer: just the wire types gVisor's messages use. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            key(field, 0);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto bytes(int field, byte[] value) {
            key(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.toBytes());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }

        private void key(int field, int wireType) {
            raw((long) field << 3 | wireType);
        }

        private void raw(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) (value & 0x7f) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
