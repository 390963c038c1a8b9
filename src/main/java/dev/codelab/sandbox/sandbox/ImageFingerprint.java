package dev.codelab.sandbox.sandbox;

/**
 * What a checkpoint image needs of the replica that restores it: the same runsc build, the same
 * root filesystem (its packages), the same runner and the same cgroup hierarchy. Recorded with a
 * hibernated session, compared by whichever replica takes it over.
 */
public record ImageFingerprint(String runsc, String rootfs, String runner, String cgroup) {

    /** Why an image made under this fingerprint cannot be restored under {@code here}; null when it can. */
    public String mismatch(ImageFingerprint here) {
        if (!runsc.equals(here.runsc)) {
            return "it was made by another runsc (" + runsc + ", here " + here.runsc + ")";
        }
        if (!rootfs.equals(here.rootfs)) {
            return "it was made on another root filesystem (" + rootfs + ", here " + here.rootfs + ")";
        }
        if (!runner.equals(here.runner)) {
            return "it was made by another runner (" + runner + ", here " + here.runner + ")";
        }
        if (!cgroup.equals(here.cgroup)) {
            return "it was made under cgroup " + cgroup + ", here " + here.cgroup;
        }
        return null;
    }
}
