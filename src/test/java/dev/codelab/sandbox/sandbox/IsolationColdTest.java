package dev.codelab.sandbox.sandbox;

import dev.codelab.sandbox.ColdStarts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The isolation tests again, with every sandbox started cold. */
@QuarkusTest
@TestProfile(ColdStarts.class)
class IsolationColdTest extends IsolationTest {
}
