package dev.codelab.sandbox.runtime;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import dev.codelab.sandbox.sandbox.SandboxImage;

/**
 * A language that can run here: the image a cold run starts, its warm profiles (each a variant of
 * that image whose program imports a stack first, checkpointed once and restored for every run; the
 * first is the default), and the packages whose versions GET /v1/runtimes lists (distribution names).
 */
public record LanguageRuntime(String language, SandboxImage image, List<WarmProfile> profiles, List<String> packages) {

    public WarmProfile defaultProfile() {
        return profiles.get(0);
    }

    public Optional<WarmProfile> profile(String name) {
        return profiles.stream().filter(profile -> profile.name().equals(name)).findFirst();
    }

    public List<String> profileNames() {
        return profiles.stream().map(WarmProfile::name).toList();
    }

    /** The smallest profile that preloads every module the code imports that some profile picks by. */
    public WarmProfile pick(String code) {
        Set<String> imported = ImportScan.topLevelModules(code);
        WarmProfile chosen = defaultProfile();
        for (int i = 0; i < profiles.size(); i++) {
            if (profiles.get(i).picks().stream().anyMatch(imported::contains)) {
                chosen = profiles.get(i);
            }
        }
        return chosen;
    }

    /**
     * The profile the code's imports pick if {@code usable} takes it, else the largest smaller one it
     * takes (a profile is a superset: a smaller one only costs the code its imports), else the default.
     */
    public WarmProfile pick(String code, Predicate<WarmProfile> usable) {
        for (int i = profiles.indexOf(pick(code)); i > 0; i--) {
            if (usable.test(profiles.get(i))) {
                return profiles.get(i);
            }
        }
        return defaultProfile();
    }
}
