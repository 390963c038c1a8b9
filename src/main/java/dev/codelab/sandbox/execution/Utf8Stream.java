package dev.codelab.sandbox.execution;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes one output stream chunk by chunk; a character split across chunks is kept whole. */
final class Utf8Stream {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] pending = new byte[0];

    String decode(byte[] chunk, int length) {
        ByteBuffer in = ByteBuffer.allocate(pending.length + length);
        in.put(pending).put(chunk, 0, length).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = new byte[in.remaining()];
        in.get(pending);
        return out.flip().toString();
    }

    /** What an unfinished character at the end of the stream becomes (a replacement character). */
    String finish() {
        CharBuffer out = CharBuffer.allocate(pending.length + 1);
        decoder.decode(ByteBuffer.wrap(pending), out, true);
        decoder.flush(out);
        pending = new byte[0];
        return out.flip().toString();
    }
}
