package dev.codelab.sandbox.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI document's header: what this API is, and how keys are sent. */
@OpenAPIDefinition(info = @Info(title = "codelab-sandbox", version = "1",
        description = "Runs untrusted code, each execution in its own short-lived gVisor sandbox, and streams "
                + "the output back. Every error is application/problem+json (RFC 9457). A key allowed to delegate "
                + "(\"delegates\": true in the keys file) may name the end user it acts for in the X-Codelab-User "
                + "header (1 to 128 printable ASCII characters): quotas, throttling and sessions are then that user's."))
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Needed when the service has API keys configured: `Authorization: Bearer <key>`")
public class OpenApiDefinition extends Application {
}
