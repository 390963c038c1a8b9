package dev.codelab.sandbox.sandbox;

import org.junit.jupiter.api.Tag;
import dev.codelab.sandbox.ColdStarts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The limit tests again, with every sandbox started cold. */
@QuarkusTest
@Tag("sandbox")
@TestProfile(ColdStarts.class)
class LimitsColdTest extends LimitsTest {
}
