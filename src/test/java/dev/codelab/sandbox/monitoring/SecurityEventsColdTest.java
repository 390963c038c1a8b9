package dev.codelab.sandbox.monitoring;

import org.junit.jupiter.api.Tag;
import dev.codelab.sandbox.ColdStarts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The same, with every sandbox started cold (`runsc run` rather than restored). */
@QuarkusTest
@Tag("sandbox")
@TestProfile(ColdStarts.class)
class SecurityEventsColdTest extends SecurityEventsTest {
}
