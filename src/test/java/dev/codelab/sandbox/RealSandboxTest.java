package dev.codelab.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

/** Tests that run real sandboxes: each waits for readiness, and none may leave a sandbox behind. */
public abstract class RealSandboxTest {

    @BeforeEach
    void awaitReady() {
        Api.awaitReady();
    }

    @AfterAll
    static void nothingLeft() {
        Api.assertNoSandboxLeft(Duration.ofSeconds(60)); // teardown takes longer on a busy machine
    }
}
