package dev.codelab.sandbox.api;

/** A file over its cap, given to a session or asked of it: a 413 naming the field and the cap. */
class FileTooLargeException extends InvalidRequestException {

    FileTooLargeException(String field, String detail) {
        super(field, detail);
    }
}
