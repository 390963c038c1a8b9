package dev.codelab.sandbox.admission;

import dev.codelab.sandbox.tenant.Tenant;

import java.util.concurrent.atomic.AtomicBoolean;

/** What one admitted ticket holds (slot, memory, answer room); released exactly once, however it ends. */
public final class Permit {

    private final Admission admission;
    private final Tenant tenant;
    private final Admission.Cost cost;
    private final long grantedNanos = System.nanoTime();
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(Admission admission, Tenant tenant, Admission.Cost cost) {
        this.admission = admission;
        this.tenant = tenant;
        this.cost = cost;
    }

    public void release() {
        if (released.compareAndSet(false, true)) {
            admission.release(tenant, cost, (System.nanoTime() - grantedNanos) / 1_000_000);
        }
    }
}
