package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.Response;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A request body the JSON reader refused, as a 400 naming what is wrong and where, in the client's
 * terms: never the parser's class names.
 */
final class UnreadableBody {

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']{1,100})'");
    /** A Java type as Jackson names it (`dev.codelab…Request`, `java.lang.String`): not the client's business. */
    private static final Pattern CLASS_NAME = Pattern.compile("`?\\b[a-z][a-z0-9_]*(\\.[A-Za-z0-9_$]+)+`?");

    private UnreadableBody() {
    }

    static Response problem(JsonProcessingException e) {
        String parser = parserMessage(e);
        String at = e instanceof JsonMappingException mapping ? field(mapping) : "";
        Matcher duplicate = DUPLICATE.matcher(parser);
        if (duplicate.find()) {
            String field = at.isEmpty() ? duplicate.group(1) : at + "." + duplicate.group(1);
            return malformed("the body gives the field `" + field + "` twice; each field may appear once", field);
        }
        if (parser.contains("UTF-8") || parser.contains("UTF8")) {
            return malformed("the body is not UTF-8 text; send JSON encoded as UTF-8", "body");
        }
        if (parser.startsWith("Trailing token")) {
            return malformed("the body holds more than one JSON value; send one JSON object", "body");
        }
        if (e instanceof JsonMappingException mapping && !at.isEmpty()) {
            String detail = e instanceof UnrecognizedPropertyException unknown
                    ? "`" + at + "` is not a known field; allowed here: " + unknown.getKnownPropertyIds()
                    : "`" + at + "` has the wrong type: " + expectedType(mapping);
            return Problem.response(Response.Status.BAD_REQUEST, "invalid-request", detail, at);
        }
        if (e instanceof MismatchedInputException) {
            return malformed("the body must be a JSON object of the request's fields", "body");
        }
        return malformed("the body is not valid JSON: " + CLASS_NAME.matcher(parser).replaceAll("a value"), "body");
    }

    private static Response malformed(String detail, String field) {
        return Problem.response(Response.Status.BAD_REQUEST, "malformed-json", detail, field);
    }

    /** What the parser itself said: a mapping error may wrap the parse error that caused it. */
    private static String parserMessage(JsonProcessingException e) {
        Throwable cause = e;
        while (cause.getCause() instanceof JsonProcessingException deeper && deeper != cause) {
            cause = deeper;
        }
        String message = cause instanceof JsonProcessingException json ? json.getOriginalMessage() : cause.getMessage();
        return message == null ? "" : message;
    }

    private static String field(JsonMappingException mapping) {
        return mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String expectedType(JsonMappingException e) {
        Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        if (target == null) {
            return "not the expected type";
        }
        if (target == String.class) {
            return "expected a string";
        }
        if (target == Long.class || target == Integer.class || target == long.class || target == int.class) {
            return "expected a whole number";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class) {
            return "expected a number";
        }
        if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "expected an array";
        }
        return "expected an object";
    }
}
