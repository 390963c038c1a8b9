package dev.codelab.sandbox.session;

import dev.codelab.sandbox.tenant.Tenant;

/**
 * Admission's count of the memory an active session holds, like a running execution's: taken when a
 * session opens or resumes, given back when it hibernates or ends. Past capacity it throws (the API
 * answers 429); implemented where admission lives, which this package may not name.
 */
public interface SessionMemory {

    /** Holds memoryMb (plus a sandbox's overhead) for this tenant; run the result to give it back. */
    Runnable hold(Tenant tenant, int memoryMb);
}
