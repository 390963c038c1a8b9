package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.sandbox.SandboxImage;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The languages this service runs. Python is the CodeLab's; others would be added here. */
@ApplicationScoped
public class RuntimeCatalog {

    public static final String DEFAULT_LANGUAGE = "python";
    /** The data-science stack of the Python image (runsc/python-rootfs.sh); only the first three are preloaded. */
    private static final List<String> PYTHON_PACKAGES = List.of("numpy", "pandas", "matplotlib", "scipy", "sympy",
            "scikit-learn", "seaborn", "statsmodels", "openpyxl", "networkx", "beautifulsoup4", "tabulate", "Pillow",
            "ipython");

    private final Map<String, LanguageRuntime> runtimes = new LinkedHashMap<>();

    RuntimeCatalog(RuntimeConfig config) {
        SandboxImage python = python(config.python());
        List<String> preload = new ArrayList<>(python.command());
        preload.add("--preload");
        runtimes.put("python", new LanguageRuntime("python", python,
                new SandboxImage(python.rootfs(), List.copyOf(preload), python.environment()), PYTHON_PACKAGES));
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
