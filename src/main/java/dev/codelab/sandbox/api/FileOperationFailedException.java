package dev.codelab.sandbox.api;

/** A file operation's cell did not complete: the file could not be written, or the kernel ended. */
class FileOperationFailedException extends RuntimeException {

    FileOperationFailedException(String detail) {
        super(detail);
    }
}
