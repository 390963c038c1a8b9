package dev.codelab.sandbox.execution;

/**
 * The API's rule for file paths under /workspace, for files given and files returned alike:
 * relative, normalized, no `..`, printable, bounded depth and length.
 */
public final class WorkspacePath {

    static final int MAX_LENGTH = 255;

    private WorkspacePath() {
    }

    /** What is wrong with the path, or null when it obeys the rule. */
    public static String problem(String path, int maxDepth) {
        if (path == null || path.isEmpty()) {
            return "is required";
        }
        if (path.length() > MAX_LENGTH || path.startsWith("/") || path.indexOf('\\') >= 0 || !printable(path)) {
            return "'" + shown(path) + "' is not allowed";
        }
        String[] segments = path.split("/", -1);
        if (segments.length > maxDepth) {
            return "'" + shown(path) + "' is too deep";
        }
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "'" + shown(path) + "' is not allowed";
            }
        }
        return null;
    }

    /** The rule in words, for an error's detail. */
    public static String rule(int maxDepth) {
        return "a relative path under /workspace such as 'data/in.csv': no leading '/', no '..' or '.' segments, "
                + "no empty segments, no control characters, at most " + maxDepth + " levels and " + MAX_LENGTH
                + " characters";
    }

    /** The path as it may be shown back: cut short, unprintable characters replaced. */
    static String shown(String path) {
        String cut = path.length() > 80 ? path.substring(0, 80) + "…" : path;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> out.appendCodePoint(printable(c) && c != '\\' ? c : '?'));
        return out.toString();
    }

    /** True when every character is printable: no control characters, no lone surrogates. */
    static boolean printable(String text) {
        return text.codePoints().allMatch(WorkspacePath::printable);
    }

    private static boolean printable(int codePoint) {
        int type = Character.getType(codePoint);
        return type != Character.CONTROL && type != Character.SURROGATE && type != Character.UNASSIGNED
                && type != Character.FORMAT && type != Character.PRIVATE_USE
                && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR;
    }
}
