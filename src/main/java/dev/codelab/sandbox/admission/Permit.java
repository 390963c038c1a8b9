package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;

import java.util.concurrent.atomic.AtomicBoolean;

/** One admitted execution's slot; released exactly once, whatever ends the run. */
public final class Permit {

    private final Admission admission;
    private final Tenant tenant;
    private final long grantedNanos = System.nanoTime();
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(Admission admission, Tenant tenant) {
        this.admission = admission;
        this.tenant = tenant;
    }

    public void release() {
        if (released.compareAndSet(false, true)) {
            admission.release(tenant, (System.nanoTime() - grantedNanos) / 1_000_000);
        }
    }
}
