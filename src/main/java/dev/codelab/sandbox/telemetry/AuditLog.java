package dev.codelab.sandbox.telemetry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.execution.ExecutionFinished;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.sandbox.SecurityEvents;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One JSON line per execution on the `codelab.audit` logger: who ran what (the key's tenant, and the
 * end user a delegating key acted for) (by size and SHA-256,
 * never the code itself), how it ended, what it used, and what it was seen trying (securityEvents,
 * null when the sandbox was not watched).
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger AUDIT = Logger.getLogger("codelab.audit");

    @RegisterForReflection
    record Line(String event, String id, String tenant, @JsonInclude(JsonInclude.Include.NON_NULL) String user,
                String language, String status, Integer exitCode,
                String signal, long wallMs, long cpuMs, long memoryPeakBytes, long outputBytes, long codeBytes,
                String codeSha256, String sandboxStart, @JsonInclude(JsonInclude.Include.NON_NULL) String profile,
                Instant startedAt, Instant finishedAt,
                @JsonInclude(JsonInclude.Include.NON_NULL) String session, SecurityEvents securityEvents) {
    }

    private final ObjectMapper json;

    AuditLog(ObjectMapper json) {
        this.json = json;
    }

    void onFinished(@Observes ExecutionFinished finished) throws JsonProcessingException {
        ExecutionResult result = finished.result();
        byte[] code = finished.plan().code().getBytes(StandardCharsets.UTF_8);
        AUDIT.info(json.writeValueAsString(new Line(result.session() == null ? "execution" : "cell", result.id(), finished.plan().tenant().name(),
                finished.plan().tenant().user(),
                result.language(), result.status().value(), result.exitCode(), result.signal(),
                result.usage().wallMs(), result.usage().cpuMs(), result.usage().memoryPeakBytes(),
                result.usage().outputBytes(), code.length, sha256(code), result.usage().sandboxStart().value(),
                result.profile(), result.startedAt(), result.finishedAt(), result.session() == null ? null : result.session().id(),
                finished.securityEvents())));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
