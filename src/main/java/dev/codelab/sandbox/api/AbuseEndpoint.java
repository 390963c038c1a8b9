package dev.codelab.sandbox.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.admission.AbuseMonitor;
import io.quarkus.vertx.http.ManagementInterface;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * GET /q/codelab/abuse on the management port (never the API's): who is throttled now, and who had
 * the most limit hits, security events and CPU within the abuse window; ?top=N (1-100, default 10).
 */
@ApplicationScoped
public class AbuseEndpoint {

    private static final int MAX_TOP = 100;

    void register(@Observes ManagementInterface management, AbuseMonitor abuse, ObjectMapper json) {
        management.router().get("/q/codelab/abuse").handler(context -> {
            String asked = context.queryParams().get("top");
            int top;
            try {
                top = asked == null ? 10 : Integer.parseInt(asked);
            } catch (NumberFormatException e) {
                top = -1;
            }
            if (top < 1 || top > MAX_TOP) {
                context.response().setStatusCode(400).putHeader("Content-Type", Problem.MEDIA_TYPE.toString())
                        .end(problem(json, "`top` must be a whole number from 1 to " + MAX_TOP));
                return;
            }
            try {
                context.response().putHeader("Content-Type", "application/json")
                        .end(json.writeValueAsString(abuse.report(top)));
            } catch (JsonProcessingException e) {
                context.fail(e);
            }
        });
    }

    private static String problem(ObjectMapper json, String detail) {
        try {
            return json.writeValueAsString(new Problem("urn:codelab:problem:invalid-request", "Bad Request", 400, detail,
                    "top", null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
