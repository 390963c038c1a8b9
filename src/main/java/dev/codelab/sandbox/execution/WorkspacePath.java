package dev.codelab.sandbox.execution;

/**
 * The API's rule for file paths under /workspace, for files given and files returned alike:
 * relative, normalized, no `..`, printable, bounded depth and length.
 */
final class WorkspacePath {

    static final int MAX_LENGTH = 255;

    private WorkspacePath() {
    }

    /** Checks a path given in a request; the error names the field and the rule. */
    static String check(String field, String path, int maxDepth) {
        String problem = problem(path, maxDepth);
        if (problem != null) {
            throw new InvalidRequestException(field, problem + ": " + rule(maxDepth));
        }
        return path;
    }

    /** What is wrong with the path, or null when it obeys the rule. */
    static String problem(String path, int maxDepth) {
        if (path == null || path.isEmpty()) {
            return "is required";
        }
        if (path.length() > MAX_LENGTH || path.startsWith("/") || path.indexOf('\\') >= 0 || !SandboxOutput.printable(path)) {
            return "'" + printable(path) + "' is not allowed";
        }
        String[] segments = path.split("/", -1);
        if (segments.length > maxDepth) {
            return "'" + printable(path) + "' is too deep";
        }
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "'" + printable(path) + "' is not allowed";
            }
        }
        return null;
    }

    private static String rule(int maxDepth) {
        return "a relative path under /workspace such as 'data/in.csv': no leading '/', no '..' or '.' segments, "
                + "no empty segments, no control characters, at most " + maxDepth + " levels and " + MAX_LENGTH
                + " characters";
    }

    /** The path as it may be shown back: cut short, unprintable characters replaced. */
    static String printable(String path) {
        String shown = path.length() > 80 ? path.substring(0, 80) + "…" : path;
        StringBuilder out = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> out.appendCodePoint(SandboxOutput.printable(c) && c != '\\' ? c : '?'));
        return out.toString();
    }
}
