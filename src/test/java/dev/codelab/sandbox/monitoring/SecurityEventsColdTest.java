package dev.codelab.sandbox.monitoring;

import dev.codelab.sandbox.ColdStarts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The same, with every sandbox started cold (`runsc run` rather than restored). */
@QuarkusTest
@TestProfile(ColdStarts.class)
class SecurityEventsColdTest extends SecurityEventsTest {
}
