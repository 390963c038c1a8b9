package dev.codelab.sandbox.api;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The methods each API path answers, read once from the resources' own annotations: what a 405's
 * {@code Allow} header names (the router that refuses the method does not say).
 */
final class AllowedMethods {

    private static final List<Class<?>> RESOURCES = List.of(ExecutionResource.class, SessionResource.class,
            SessionFileResource.class, RuntimeResource.class);
    /** A template's parameter, with its own pattern ({path: .+}) or without (one segment). */
    private static final Pattern PARAMETER = Pattern.compile("\\{[^/:}]+(?::\\s*([^}]+))?}");
    private static final Map<Pattern, Set<String>> BY_PATH = read();

    private AllowedMethods() {
    }

    /** The methods the path answers; empty for a path that is not the API's. */
    static Set<String> of(String path) {
        return BY_PATH.entrySet().stream().filter(entry -> entry.getKey().matcher(path).matches())
                .map(Map.Entry::getValue).findFirst().orElse(Set.of());
    }

    private static Map<Pattern, Set<String>> read() {
        Map<String, Set<String>> templates = new LinkedHashMap<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method method : resource.getDeclaredMethods()) {
                for (Annotation annotation : method.getAnnotations()) {
                    HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
                    if (verb != null) {
                        Path sub = method.getAnnotation(Path.class);
                        templates.computeIfAbsent(base + (sub == null ? "" : sub.value()), path -> new TreeSet<>())
                                .add(verb.value());
                    }
                }
            }
        }
        Map<Pattern, Set<String>> patterns = new LinkedHashMap<>();
        templates.forEach((template, verbs) -> patterns.put(
                Pattern.compile(PARAMETER.matcher(template).replaceAll(parameter -> Matcher.quoteReplacement(
                        parameter.group(1) == null ? "[^/]+" : parameter.group(1))) + "/?"), Set.copyOf(verbs)));
        return patterns;
    }
}
