package dev.codelab.sandbox.monitoring;

import java.nio.charset.StandardCharsets;

/**
 * Reads protobuf's wire format field by field, only as far as the bytes go: the few fields this
 * service needs, without a protobuf library. Every length is checked against the bytes at hand.
 */
final class ProtoReader {

    static final class Malformed extends Exception {
        Malformed(String what) {
            super(what, null, false, false);
        }
    }

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final byte[] bytes;
    private final int end;
    private int position;
    private int wireType;
    private int field;

    ProtoReader(byte[] bytes, int offset, int end) {
        this.bytes = bytes;
        this.position = offset;
        this.end = end;
    }

    /** Moves to the next field; false at the end. */
    boolean next() throws Malformed {
        if (position >= end) {
            return false;
        }
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field <= 0 || key >>> 3 > Integer.MAX_VALUE) {
            throw new Malformed("field number " + (key >>> 3));
        }
        return true;
    }

    int field() {
        return field;
    }

    long varintValue() throws Malformed {
        expect(VARINT);
        return varint();
    }

    /** A length-delimited field's bytes, as a reader of its own (a nested message). */
    ProtoReader message() throws Malformed {
        int length = length();
        ProtoReader nested = new ProtoReader(bytes, position, position + length);
        position += length;
        return nested;
    }

    String string() throws Malformed {
        int length = length();
        String value = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    /** The first bytes of a length-delimited field (an address: only its family matters). */
    int littleEndianShort() throws Malformed {
        int length = length();
        int value = length >= 2 ? (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8 : -1;
        position += length;
        return value;
    }

    void skip() throws Malformed {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw new Malformed("wire type " + wireType);
        }
    }

    private int length() throws Malformed {
        expect(LENGTH_DELIMITED);
        long length = varint();
        if (length > end - position) {
            throw new Malformed("a field longer than its message");
        }
        return (int) length;
    }

    private void advance(int count) throws Malformed {
        if (count > end - position) {
            throw new Malformed("a field longer than its message");
        }
        position += count;
    }

    private void expect(int type) throws Malformed {
        if (wireType != type) {
            throw new Malformed("field " + field + " has wire type " + wireType);
        }
    }

    private long varint() throws Malformed {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw new Malformed("a truncated varint");
            }
            byte b = bytes[position++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new Malformed("a varint longer than 10 bytes");
    }
}
