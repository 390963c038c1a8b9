package dev.codelab.sandbox.execution;

import java.nio.charset.StandardCharsets;

/**
 * The API's rule for file paths under /workspace, for files given and files returned alike
 * (runsc/PROTOCOL.md, where the runner applies the same rule): relative, normalized, no `..`,
 * bounded depth and length, and an explicit list of refused characters. No Unicode table decides:
 * the service's and the sandbox's tables differ in age, and a name newer than one of them
 * (U+1FAE0 in `🫠.txt`) is a name like any other.
 */
public final class WorkspacePath {

    static final int MAX_LENGTH = 255;
    static final int MAX_SEGMENT_BYTES = 255;

    private WorkspacePath() {
    }

    /** What is wrong with the path, or null when it obeys the rule. */
    public static String problem(String path, int maxDepth) {
        if (path == null || path.isEmpty()) {
            return "is required";
        }
        if (path.codePointCount(0, path.length()) > MAX_LENGTH || path.startsWith("/") || !allowed(path)) {
            return "'" + shown(path) + "' is not allowed";
        }
        String[] segments = path.split("/", -1);
        if (segments.length > maxDepth) {
            return "'" + shown(path) + "' is too deep";
        }
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")
                    || segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "'" + shown(path) + "' is not allowed";
            }
        }
        return null;
    }

    /** The rule in words, for an error's detail. */
    public static String rule(int maxDepth) {
        return "a relative path under /workspace such as 'data/in.csv': no leading '/', no '..' or '.' segments, "
                + "no empty segments, no control characters, backslashes, U+2028, U+2029 or U+FEFF, at most "
                + maxDepth + " levels, " + MAX_LENGTH + " characters, and " + MAX_SEGMENT_BYTES
                + " bytes (UTF-8) a segment";
    }

    /** The path as it may be shown back: cut short, refused characters replaced. */
    public static String shown(String path) {
        String cut = path.codePointCount(0, path.length()) > 80
                ? path.substring(0, path.offsetByCodePoints(0, 80)) + "…" : path;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> out.appendCodePoint(allowed(c) ? c : '?'));
        return out.toString();
    }

    /** True when no character is on the refused list. */
    static boolean allowed(String text) {
        return text.codePoints().allMatch(WorkspacePath::allowed);
    }

    /** C0 and C1 controls, DEL, backslash, the line and paragraph separators, BOM, and lone surrogates. */
    private static boolean allowed(int c) {
        return c >= 0x20 && !(c >= 0x7F && c <= 0x9F) && c != '\\' && c != 0x2028 && c != 0x2029 && c != 0xFEFF
                && !(c >= 0xD800 && c <= 0xDFFF);
    }
}
