package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Answers 413 as problem+json for a declared body over the limit, before it is read. */
@ApplicationScoped
public class BodySizeFilter {

    private final long maxBodyBytes;
    private final String problem;

    BodySizeFilter(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize,
                   ObjectMapper json) throws JsonProcessingException {
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.problem = json.writeValueAsString(new Problem("urn:codelab:problem:body-too-large", "Payload Too Large",
                413, "the request body may hold at most " + maxBodyBytes + " bytes", "body"));
    }

    void register(@Observes Router router) {
        router.route().order(-100).handler(this::limit);
    }

    private void limit(RoutingContext context) {
        String length = context.request().getHeader("Content-Length");
        if (length != null && isOver(length)) {
            context.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE.toString())
                    .end(problem);
            return;
        }
        context.next();
    }

    private boolean isOver(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
