package dev.codelab.sandbox.api;

/** Checks a file path given for /workspace: relative, normalized, no `..`, bounded depth. */
final class WorkspacePath {

    private static final int MAX_LENGTH = 255;

    private WorkspacePath() {
    }

    static String check(String field, String path, int maxDepth) {
        String rule = "a relative path under /workspace such as 'data/in.csv': no leading '/', no '..' "
                + "or '.' segments, no empty segments, at most " + maxDepth + " levels and " + MAX_LENGTH + " characters";
        if (path == null || path.isEmpty()) {
            throw new InvalidRequestException(field, "is required: " + rule);
        }
        if (path.length() > MAX_LENGTH || path.startsWith("/") || path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
            throw new InvalidRequestException(field, "'" + printable(path) + "' is not allowed: " + rule);
        }
        String[] segments = path.split("/", -1);
        if (segments.length > maxDepth) {
            throw new InvalidRequestException(field, "'" + printable(path) + "' is too deep: " + rule);
        }
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidRequestException(field, "'" + printable(path) + "' is not allowed: " + rule);
            }
        }
        return path;
    }

    private static String printable(String path) {
        String shown = path.length() > 80 ? path.substring(0, 80) + "…" : path;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
