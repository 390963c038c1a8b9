package dev.codelab.sandbox.monitoring;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceDecoderTest {

    private static TraceEvent decode(byte[] message) throws ProtoReader.Malformed {
        return TraceDecoder.decode(message, message.length, false);
    }

    @Test
    void anOpenSaysWhoAndWhere() throws Exception {
        TraceEvent event = decode(TraceMessages.open(1000, "/proc/1", TraceMessages.AT_FDCWD, null, "environ"));
        assertTrue(event.byProgram());
        assertFalse(event.exit());
        assertEquals(257, event.sysno());
        assertEquals("environ", event.path());
        assertEquals("/proc/1", event.cwd());
        assertEquals(-100, event.dirFd());
    }

    @Test
    void theSupervisorIsUidZero() throws Exception {
        assertFalse(decode(TraceMessages.open(0, "/", TraceMessages.AT_FDCWD, null, "/etc/shadow")).byProgram());
    }

    @Test
    void aRawExitCarriesItsErrnoAndTheHeaderTheDropCount() throws Exception {
        byte[] message = TraceMessages.raw(1000, 62, 1, 77);
        TraceEvent event = decode(message);
        assertTrue(event.exit());
        assertEquals(62, event.sysno());
        assertEquals(1, event.errno());
        assertEquals(77, TraceDecoder.dropped(message, message.length));
    }

    @Test
    void socketsAndConnectsSayTheirFamily() throws Exception {
        assertEquals(2, decode(TraceMessages.socket(1000, 2)).family());
        assertEquals(10, decode(TraceMessages.connect(1000, 10)).family());
    }

    @Test
    void typesThisServiceDoesNotReadAreSkipped() throws Exception {
        assertNull(decode(TraceMessages.message(2, 0, new TraceMessages.Proto().varint(3, 5))));
    }

    @Test
    void malformedMessagesAreRefused() {
        byte[] open = TraceMessages.open(1000, "/", TraceMessages.AT_FDCWD, null, "/etc/shadow");
        assertThrows(ProtoReader.Malformed.class, () -> TraceDecoder.decode(open, 5, false), "shorter than a header");
        byte[] header = open.clone();
        header[0] = 100;
        assertThrows(ProtoReader.Malformed.class, () -> decode(header), "a header larger than the message");
        assertThrows(ProtoReader.Malformed.class, () -> TraceDecoder.decode(open, open.length - 3, false),
                "a field cut short");
        byte[] badWireType = TraceMessages.message(TraceDecoder.SYSCALL_OPEN, 0, new TraceMessages.Proto());
        byte[] withGarbage = Arrays.copyOf(badWireType, badWireType.length + 2);
        withGarbage[withGarbage.length - 2] = (byte) (9 << 3 | 7);
        assertThrows(ProtoReader.Malformed.class, () -> decode(withGarbage), "wire type 7");
        byte[] longVarint = TraceMessages.message(TraceDecoder.SYSCALL_OPEN, 0, new TraceMessages.Proto());
        byte[] tooLong = Arrays.copyOf(longVarint, longVarint.length + 12);
        tooLong[longVarint.length] = 3 << 3;
        Arrays.fill(tooLong, longVarint.length + 1, tooLong.length, (byte) 0xff);
        assertThrows(ProtoReader.Malformed.class, () -> decode(tooLong), "a varint of 11 bytes");
    }

    @Test
    void aMessageCutByTheBufferKeepsTheFieldsBeforeTheCut() throws Exception {
        byte[] exec = TraceMessages.exec(1000, "/usr/bin/dash");
        TraceEvent event = TraceDecoder.decode(exec, exec.length - 2, true);
        assertTrue(event.byProgram());
        assertEquals("/usr/bin/dash", event.path());
    }
}
