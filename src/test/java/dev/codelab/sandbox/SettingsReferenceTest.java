package dev.codelab.sandbox;

import io.smallrye.config.ConfigMapping;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's table of settings names every `codelab.*` setting the service reads, and no other. */
class SettingsReferenceTest {

    private static final List<Class<?>> MAPPINGS = List.of(dev.codelab.sandbox.admission.AdmissionConfig.class,
            dev.codelab.sandbox.execution.ExecutionConfig.class, dev.codelab.sandbox.monitoring.MonitoringConfig.class,
            dev.codelab.sandbox.pool.PoolConfig.class, dev.codelab.sandbox.runtime.RuntimeConfig.class,
            dev.codelab.sandbox.sandbox.SandboxConfig.class, dev.codelab.sandbox.session.SessionConfig.class);

    @Test
    void everySettingIsInTheReadmesTable() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("## Settings"));
        List<String> settings = new ArrayList<>();
        MAPPINGS.forEach(mapping -> collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, settings));
        assertTrue(settings.size() > 50, settings.toString());
        List<String> missing = settings.stream().filter(setting -> !table.contains("`" + setting + "`")).toList();
        assertEquals(List.of(), missing, "settings the README's table does not list");
        long rows = table.lines().takeWhile(line -> !line.startsWith("## ") || line.startsWith("## Settings"))
                .filter(line -> line.startsWith("| `codelab.")).count();
        assertEquals(settings.size(), rows, "one row a setting, no row for a setting that is gone");
    }

    /** A mapping's properties: a method returning a group of the mapping nests; any other is a setting. */
    private static void collect(String prefix, Class<?> group, List<String> into) {
        for (Method method : group.getDeclaredMethods()) {
            if (method.isDefault() || method.isSynthetic() || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String name = prefix + "." + kebab(method.getName());
            Class<?> type = method.getReturnType();
            boolean nested = type.isInterface() && type.getEnclosingClass() != null && type != Optional.class
                    && type != OptionalInt.class && !List.class.isAssignableFrom(type);
            if (nested) {
                collect(name, type, into);
            } else {
                into.add(name);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase();
    }
}
