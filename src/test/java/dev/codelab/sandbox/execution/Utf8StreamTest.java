package dev.codelab.sandbox.execution;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8StreamTest {

    @Test
    void aCharacterSplitAcrossChunksStaysWhole() {
        byte[] snowman = "a☃b".getBytes(StandardCharsets.UTF_8);
        Utf8Stream stream = new Utf8Stream();
        assertEquals("a", stream.decode(new byte[]{snowman[0], snowman[1]}, 2));
        assertEquals("", stream.decode(new byte[]{snowman[2]}, 1));
        assertEquals("☃b", stream.decode(new byte[]{snowman[3], snowman[4]}, 2));
        assertEquals("", stream.finish());
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        Utf8Stream stream = new Utf8Stream();
        assertEquals("x\uFFFDy", stream.decode(new byte[]{'x', (byte) 0xFF, 'y'}, 3));
    }

    @Test
    void anUnfinishedCharacterAtTheEndIsReplaced() {
        Utf8Stream stream = new Utf8Stream();
        assertEquals("", stream.decode(new byte[]{(byte) 0xE2, (byte) 0x98}, 2));
        assertEquals("\uFFFD", stream.finish());
    }

    @Test
    void onlyTheGivenLengthIsDecoded() {
        assertEquals("ab", new Utf8Stream().decode("abcdef".getBytes(StandardCharsets.UTF_8), 2));
    }
}
