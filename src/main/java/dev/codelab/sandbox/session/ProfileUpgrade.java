package dev.codelab.sandbox.session;

import dev.codelab.sandbox.pool.AcquiredSandbox;
import dev.codelab.sandbox.pool.SandboxSupply;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.Sandbox;
import dev.codelab.sandbox.sandbox.Sandboxes;
import dev.codelab.sandbox.sandbox.StartMode;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.UUID;

/**
 * A session opened without naming a profile has no code to pick one by, so it opens on the
 * default. Its first cell is that code: when the cell's imports pick a larger profile whose
 * sandboxes fit the session's memory, the session's untouched kernel (nothing has run in it, no
 * file was written) is swapped for a warm one of that profile before the cell runs, as a run's
 * would be. A kernel that cannot be had warm now is not waited for: the cell runs where it is.
 */
final class ProfileUpgrade {

    private static final Logger LOG = Logger.getLogger(ProfileUpgrade.class);

    private final SandboxSupply supply;
    private final Sandboxes sandboxes;
    private final SessionStore store;

    ProfileUpgrade(SandboxSupply supply, Sandboxes sandboxes, SessionStore store) {
        this.supply = supply;
        this.sandboxes = sandboxes;
        this.store = store;
    }

    /** The profile the session should move to before this cell runs; null to stay. */
    WarmProfile wanted(Session session, String code) {
        SessionSpec spec = session.spec();
        if (spec.profileNamed() || !session.untouched()) {
            return null;
        }
        LanguageRuntime runtime = spec.runtime();
        WarmProfile picked = runtime.pick(code, profile -> supply.offersWarm(runtime, profile, spec.limits()));
        return runtime.profiles().indexOf(picked) > runtime.profiles().indexOf(spec.profile()) ? picked : null;
    }

    /** On the cell's worker thread, its turn held: the swap, or nothing when no warm kernel comes. */
    void take(Session session, long turn, WarmProfile profile) {
        SessionSpec spec = session.spec();
        AcquiredSandbox fresh;
        try {
            fresh = supply.acquire(UUID.randomUUID().toString(), spec.runtime(), profile, spec.limits());
        } catch (IOException e) {
            LOG.debugf("session %s stays on %s: no %s sandbox (%s)", session.id(), spec.profile().name(),
                    profile.name(), e.getMessage());
            return;
        }
        // A cold sandbox has nothing preloaded: the kernel the session holds is the better one.
        Sandbox replaced = fresh.mode() == StartMode.COLD ? null : session.tookProfile(fresh.sandbox(), fresh.mode(), turn, profile);
        if (replaced == null) {
            supply.release(fresh);
            return;
        }
        replaced.kill();
        sandboxes.release(replaced);
        store.save(session.meta(store.pod(), null, null));
        LOG.debugf("session %s moved to profile %s for its first cell", session.id(), profile.name());
    }
}
