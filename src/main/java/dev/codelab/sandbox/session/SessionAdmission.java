package dev.codelab.sandbox.session;

import dev.codelab.sandbox.tenant.Tenant;

/**
 * Admission's hold on the memory of a live session, like a running execution's: taken when a
 * session opens (which also counts toward its key's rate and is refused while the key is
 * throttled) and when it resumes, given back when it hibernates or ends. A session's cells take
 * execution slots at the API, like runs. Past capacity it throws admission's 429. Implemented
 * where admission lives, which this package may not name.
 */
public interface SessionAdmission {

    /** Holds memoryMb (plus a sandbox's overhead) for this tenant; run the result to give it back. */
    Runnable holdMemory(Tenant tenant, int memoryMb, boolean opening);
}
