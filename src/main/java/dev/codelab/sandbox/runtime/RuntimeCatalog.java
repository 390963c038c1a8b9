package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.sandbox.SandboxImage;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The languages this service runs. Python is the CodeLab's; others would be added here. */
@ApplicationScoped
public class RuntimeCatalog {

    public static final String DEFAULT_LANGUAGE = "python";
    /** The data-science stack of the Python image (runsc/python-rootfs.sh); the profiles below preload some of it. */
    private static final List<String> PYTHON_PACKAGES = List.of("numpy", "pandas", "matplotlib", "scipy", "sympy",
            "scikit-learn", "seaborn", "statsmodels", "openpyxl", "networkx", "beautifulsoup4", "tabulate", "Pillow",
            "ipython");

    public static final String BASE = "base";
    public static final String ML = "ml";
    /** What the runner's preload imports in every warm profile (runsc/runner/codelab_program.py). */
    private static final List<String> BASE_PRELOADS = List.of("numpy", "pandas", "matplotlib.pyplot",
            "pandas.plotting._matplotlib");
    /** Measured worth preloading (docs/bench.md, "Warm profiles"): import time saved against memory per pooled sandbox. */
    private static final List<String> ML_PRELOADS = List.of("scipy.stats", "sklearn.linear_model", "seaborn",
            "statsmodels.api");
    /** An import of any of these picks the ml profile (README, "Warm profiles"). */
    private static final Set<String> ML_PICKS = Set.of("scipy", "sklearn", "seaborn", "statsmodels");

    private final Map<String, LanguageRuntime> runtimes = new LinkedHashMap<>();

    RuntimeCatalog(RuntimeConfig config) {
        SandboxImage python = python(config.python());
        runtimes.put("python", new LanguageRuntime("python", python, List.of(
                profile(python, BASE, BASE_PRELOADS, List.of(), Set.of()),
                profile(python, ML, BASE_PRELOADS, ML_PRELOADS, ML_PICKS)), PYTHON_PACKAGES));
    }

    /** A warm variant of the image: the runner's --preload imports the base stack, and the modules after `=`. */
    private static WarmProfile profile(SandboxImage image, String name, List<String> base, List<String> extra,
                                       Set<String> picks) {
        List<String> command = new ArrayList<>(image.command());
        command.add(extra.isEmpty() ? "--preload" : "--preload=" + String.join(",", extra));
        List<String> preloads = new ArrayList<>(base);
        preloads.addAll(extra);
        return new WarmProfile(name, List.copyOf(preloads), picks,
                new SandboxImage(image.rootfs(), List.copyOf(command), image.environment()));
    }

    public Optional<LanguageRuntime> find(String language) {
        return Optional.ofNullable(runtimes.get(language));
    }

    public List<LanguageRuntime> all() {
        return List.copyOf(runtimes.values());
    }

    public List<String> languages() {
        return List.copyOf(runtimes.keySet());
    }

    /** The environment is built from nothing: no variable of the service reaches the sandbox. */
    private static SandboxImage python(RuntimeConfig.Python config) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/workspace");
        env.put("USER", "sandbox");
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        env.put("PYTHONPATH", "/opt/codelab");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("MPLBACKEND", "module://codelab_backend");
        env.put("MPLCONFIGDIR", "/tmp/.matplotlib");
        // One BLAS/OpenMP thread, so numpy works under small `pids` limits.
        env.put("OPENBLAS_NUM_THREADS", "1");
        env.put("OMP_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");
        return new SandboxImage(config.rootfs().toAbsolutePath(),
                List.of("/usr/bin/python3", "-B", "/opt/codelab/codelab_supervisor.py"), Map.copyOf(env));
    }
}
