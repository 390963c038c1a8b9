package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Answers 414 as problem+json for a request target longer than the API takes. The HTTP server's
 * own bound (quarkus.http.limits.max-initial-line-length) is set well above this one, so that a long
 * URI reaches this filter instead of getting the server's bare 414.
 */
@ApplicationScoped
public class UriLengthFilter {

    /** Longer than any request of the API: a session file's path of 8 segments, percent-encoded. */
    static final int MAX_URI_CHARS = 16_384;

    private final String problem;

    UriLengthFilter(ObjectMapper json) throws JsonProcessingException {
        this.problem = json.writeValueAsString(new Problem("urn:codelab:problem:uri-too-long", "URI Too Long", 414,
                "the request's path and query may hold at most " + MAX_URI_CHARS + " characters", "path"));
    }

    void register(@Observes Router router) {
        router.route().order(-101).handler(this::limit);
    }

    private void limit(RoutingContext context) {
        if (context.request().uri().length() > MAX_URI_CHARS) {
            context.response().setStatusCode(414).putHeader("Content-Type", Problem.MEDIA_TYPE.toString()).end(problem);
            return;
        }
        context.next();
    }
}
