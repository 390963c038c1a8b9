package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;

import java.util.concurrent.atomic.AtomicBoolean;

/** One admitted execution's slot and memory; released exactly once, whatever ends the run. */
public final class Permit {

    private final Admission admission;
    private final Tenant tenant;
    private final long bytes;
    private final long grantedNanos = System.nanoTime();
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(Admission admission, Tenant tenant, long bytes) {
        this.admission = admission;
        this.tenant = tenant;
        this.bytes = bytes;
    }

    public void release() {
        if (released.compareAndSet(false, true)) {
            admission.release(tenant, bytes, (System.nanoTime() - grantedNanos) / 1_000_000);
        }
    }
}
