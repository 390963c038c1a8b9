package dev.codelab.sandbox.api;

/** A request that cannot run as given; names the field and what is allowed. */
public class InvalidRequestException extends RuntimeException {

    private final String field;

    public InvalidRequestException(String field, String detail) {
        super(detail);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
