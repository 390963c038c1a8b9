package dev.codelab.sandbox.monitoring;

/**
 * Turns one message of gVisor's remote sink into a {@link TraceEvent}. A message is a header
 * (little-endian: u16 header size, u16 message type, u32 points dropped so far by the sandbox,
 * wrapping) and a protobuf payload (gVisor's pkg/sentry/seccheck/points/*.proto). The sandbox is
 * untrusted: anything that does not parse is dropped, and only the fields named here are read.
 */
final class TraceDecoder {

    static final int HEADER_BYTES = 8;
    static final int SENTRY_EXEC = 3;
    static final int SYSCALL_RAW = 6;
    static final int SYSCALL_OPEN = 7;
    static final int SYSCALL_CONNECT = 10;
    static final int SYSCALL_SOCKET = 12;
    static final int SYSCALL_SETID = 14;
    static final int SYSCALL_SETRESID = 15;
    static final int SYSCALL_PRLIMIT64 = 16;

    // Field numbers shared by the messages above: ContextData is 1 and Exit 2 everywhere.
    private static final int CONTEXT = 1;
    private static final int EXIT = 2;
    private static final int CONTEXT_CREDENTIALS = 7;
    private static final int CONTEXT_CWD = 8;
    private static final int CREDENTIALS_REAL_UID = 1;
    private static final int CREDENTIALS_EFFECTIVE_UID = 2;
    private static final int EXIT_ERRNO = 2;

    /** The header's count of points the sandbox dropped; -1 if there is no header. */
    static long dropped(byte[] message, int length) {
        if (length < HEADER_BYTES) {
            return -1;
        }
        return (message[4] & 0xffL) | (message[5] & 0xffL) << 8 | (message[6] & 0xffL) << 16 | (message[7] & 0xffL) << 24;
    }

    /**
     * The event in a message of {@code length} bytes; null for a type this service does not use.
     * {@code truncated}: the message may have been longer than the buffer, so its last field may
     * be cut; the fields before it still count (gVisor writes the caller and binary first).
     */
    static TraceEvent decode(byte[] message, int length, boolean truncated) throws ProtoReader.Malformed {
        if (length < HEADER_BYTES) {
            throw new ProtoReader.Malformed("a message shorter than its header");
        }
        int headerSize = (message[0] & 0xff) | (message[1] & 0xff) << 8;
        int type = (message[2] & 0xff) | (message[3] & 0xff) << 8;
        if (headerSize < HEADER_BYTES || headerSize > length) {
            throw new ProtoReader.Malformed("a header of " + headerSize + " bytes");
        }
        Fields fields = new Fields(type);
        if (!fields.used()) {
            return null;
        }
        try {
            fields.read(new ProtoReader(message, headerSize, length));
        } catch (ProtoReader.Malformed e) {
            if (!truncated) {
                throw e;
            }
        }
        return fields.event();
    }

    /** The fields of one message as they are read. */
    private static final class Fields {
        private final int type;
        private boolean byProgram;
        private boolean exit;
        private long sysno = -1;
        private long errno;
        private String path;
        private String cwd;
        private String dirPath;
        private long dirFd = -1;
        private long openFlags;
        private long family = -1;

        Fields(int type) {
            this.type = type;
        }

        boolean used() {
            return type == SENTRY_EXEC || sysnoField() > 0;
        }

        /** Where the message keeps its syscall number (raw syscalls differ); 0 if it has none. */
        private int sysnoField() {
            return switch (type) {
                case SYSCALL_RAW -> 4;
                case SYSCALL_OPEN, SYSCALL_CONNECT, SYSCALL_SOCKET, SYSCALL_SETID, SYSCALL_SETRESID,
                     SYSCALL_PRLIMIT64 -> 3;
                default -> 0;
            };
        }

        void read(ProtoReader reader) throws ProtoReader.Malformed {
            while (reader.next()) {
                int field = reader.field();
                if (field == CONTEXT) {
                    context(reader.message());
                } else if (field == EXIT && type != SENTRY_EXEC) {
                    exit = true;
                    errno = exitErrno(reader.message());
                } else if (field == sysnoField()) {
                    sysno = reader.varintValue();
                } else if (!payloadField(reader, field)) {
                    reader.skip();
                }
            }
        }

        /** The type-specific fields; false for one this service does not read. */
        private boolean payloadField(ProtoReader reader, int field) throws ProtoReader.Malformed {
            if (type == SENTRY_EXEC && field == 2) {
                path = reader.string();
            } else if (type == SYSCALL_OPEN && field == 4) {
                dirFd = reader.varintValue();
            } else if (type == SYSCALL_OPEN && field == 5) {
                dirPath = reader.string();
            } else if (type == SYSCALL_OPEN && field == 6) {
                path = reader.string();
            } else if (type == SYSCALL_OPEN && field == 7) {
                openFlags = reader.varintValue();
            } else if (type == SYSCALL_SOCKET && field == 4) {
                family = (int) reader.varintValue();
            } else if (type == SYSCALL_CONNECT && field == 6) {
                family = reader.littleEndianShort();
            } else {
                return false;
            }
            return true;
        }

        private void context(ProtoReader context) throws ProtoReader.Malformed {
            while (context.next()) {
                if (context.field() == CONTEXT_CREDENTIALS) {
                    ProtoReader credentials = context.message();
                    long realUid = 0;
                    long effectiveUid = 0;
                    while (credentials.next()) {
                        switch (credentials.field()) {
                            case CREDENTIALS_REAL_UID -> realUid = credentials.varintValue();
                            case CREDENTIALS_EFFECTIVE_UID -> effectiveUid = credentials.varintValue();
                            default -> credentials.skip();
                        }
                    }
                    byProgram = realUid != 0 || effectiveUid != 0;
                } else if (context.field() == CONTEXT_CWD) {
                    cwd = context.string();
                } else {
                    context.skip();
                }
            }
        }

        private static long exitErrno(ProtoReader exit) throws ProtoReader.Malformed {
            long errno = 0;
            while (exit.next()) {
                if (exit.field() == EXIT_ERRNO) {
                    errno = exit.varintValue();
                } else {
                    exit.skip();
                }
            }
            return errno;
        }

        TraceEvent event() {
            return new TraceEvent(type, byProgram, exit, sysno, errno, path, cwd, dirPath, dirFd, openFlags, family);
        }
    }
}
