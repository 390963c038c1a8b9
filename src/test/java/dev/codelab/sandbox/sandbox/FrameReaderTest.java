package dev.codelab.sandbox.sandbox;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The frame header of runsc/PROTOCOL.md: type, cell id (uint32), length (uint32), read alone. */
class FrameReaderTest {

    private static byte[] frame(char type, int length, byte[] payload) throws IOException {
        return frame(type, 1, length, payload);
    }

    private static byte[] frame(char type, int cell, int length, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(type);
        out.writeInt(cell);
        out.writeInt(length);
        out.write(payload);
        return bytes.toByteArray();
    }

    @Test
    void readsFramesUntilTheEnd() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(frame('O', 2, "hi".getBytes()));
        stream.write(frame('X', 0, new byte[0]));
        FrameReader reader = new FrameReader(new ByteArrayInputStream(stream.toByteArray()), 1024);
        FrameReader.Header first = reader.next();
        assertEquals(FrameReader.Type.STDOUT, first.type());
        assertEquals(1, first.cell());
        assertArrayEquals("hi".getBytes(), reader.payload(first));
        assertEquals(FrameReader.Type.EXIT, reader.next().type());
        assertNull(reader.next());
    }

    @Test
    void anUnknownTypeIsAProtocolError() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(frame('Z', 0, new byte[0])), 1024);
        assertThrows(FrameReader.ProtocolException.class, reader::next);
    }

    @Test
    void anOversizedOrNegativeLengthIsAProtocolError() throws IOException {
        assertThrows(FrameReader.ProtocolException.class,
                () -> new FrameReader(new ByteArrayInputStream(frame('O', 2048, new byte[0])), 1024).next());
        assertThrows(FrameReader.ProtocolException.class,
                () -> new FrameReader(new ByteArrayInputStream(frame('O', -1, new byte[0])), 1024).next());
    }

    @Test
    void aFrameCutShortIsTheEnd() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(frame('O', 10, "abc".getBytes())), 1024);
        assertNull(reader.payload(reader.next()));
        assertNull(new FrameReader(new ByteArrayInputStream(new byte[] {'O', 0, 0}), 1024).next());
        assertNull(new FrameReader(new ByteArrayInputStream(new byte[] {'O', 0, 0, 0, 1, 0, 0}), 1024).next());
    }

    @Test
    void aCellIdIsUnsigned() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(frame('O', -1, 0, new byte[0])), 1024);
        assertEquals(0xFFFF_FFFFL, reader.next().cell());
    }

    @Test
    void theHeaderComesAloneSoAnOversizedPayloadNeedNotBeRead() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(frame('R', 1000, new byte[0])), 1024);
        FrameReader.Header header = reader.next();
        assertEquals(FrameReader.Type.RESULT, header.type());
        assertEquals(1000, header.length());
    }
}
