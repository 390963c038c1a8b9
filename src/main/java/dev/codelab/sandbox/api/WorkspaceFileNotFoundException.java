package dev.codelab.sandbox.api;

/** No regular file at that path of a session's workspace (a link is none: never followed). */
class WorkspaceFileNotFoundException extends RuntimeException {

    WorkspaceFileNotFoundException(String shownPath) {
        super("no regular file '" + shownPath + "' under /workspace in this session");
    }
}
