package dev.codelab.sandbox.execution;

/**
 * The bytes a text takes inside a JSON string of the answer (UTF-8, as Jackson writes it): a
 * character JSON must escape counts as its escape ({@code \n} 2 bytes, U+0001 6), so that
 * outputBytes bounds what the answer really holds, however the output is made.
 */
final class JsonText {

    private JsonText() {
    }

    static long size(CharSequence text) {
        long size = 0;
        for (int i = 0; i < text.length(); i++) {
            size += size(text.charAt(i));
        }
        return size;
    }

    /** The longest start of {@code text} that takes at most {@code budget} bytes. */
    static String cut(String text, long budget) {
        long size = 0;
        for (int i = 0; i < text.length(); i++) {
            size += size(text.charAt(i));
            if (size > budget) {
                int end = i > 0 && Character.isHighSurrogate(text.charAt(i - 1)) ? i - 1 : i;
                return text.substring(0, end);
            }
        }
        return text;
    }

    private static int size(char c) {
        if (c < 0x20) {
            return c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f' ? 2 : 6;
        }
        if (c == '"' || c == '\\') {
            return 2;
        }
        if (c < 0x80) {
            return 1;
        }
        return c < 0x800 || Character.isSurrogate(c) ? 2 : 3; // a pair's two halves: 4 bytes
    }
}
