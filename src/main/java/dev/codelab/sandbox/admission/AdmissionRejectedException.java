package dev.codelab.sandbox.admission;

/** A request turned away before it ran (429); the reason is a metric label, the detail is for users. */
public class AdmissionRejectedException extends RuntimeException {

    /** The `reason` label of codelab_rejections_total. */
    public enum Reason { CAPACITY, RATE, ABUSE }

    private final Reason reason;
    private final long retryAfterSeconds;

    public AdmissionRejectedException(Reason reason, String detail, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.reason = reason;
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    public Reason reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
