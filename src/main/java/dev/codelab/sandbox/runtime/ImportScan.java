package dev.codelab.sandbox.runtime;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The top-level modules a Python cell imports, as far as a look at each line tells, without parsing
 * it: `import a, b.c as d` and `from a.b import c` statements that begin a line (after any
 * indentation, so imports inside `def`, `if` and `try` blocks count) or follow a `;`. Comments and
 * string literals, triple-quoted ones across lines included, are skipped. Relative imports
 * (`from . import x`) name no installed module. Not seen: imports made at run time (`__import__`,
 * `importlib`), and one after a colon on the same line (`try: import x`). A miss or a false hit only
 * costs speed, never correctness: every profile has every package installed.
 */
public final class ImportScan {

    private static final Pattern IMPORT = Pattern.compile("import\\s+(.+)", Pattern.DOTALL);
    private static final Pattern FROM = Pattern.compile("from\\s+([A-Za-z_][\\w.]*)\\s+import\\b.*", Pattern.DOTALL);
    private static final Pattern NAME = Pattern.compile("([A-Za-z_]\\w*)(\\.[A-Za-z_]\\w*)*(\\s+as\\s+[A-Za-z_]\\w*)?");

    private ImportScan() {
    }

    public static Set<String> topLevelModules(String code) {
        Set<String> modules = new LinkedHashSet<>();
        String openTriple = null; // the delimiter of a triple-quoted string still open at a line's end
        for (String line : code.split("\n", -1)) {
            int i = 0;
            if (openTriple != null) {
                int end = line.indexOf(openTriple);
                if (end < 0) {
                    continue;
                }
                i = end + 3;
                openTriple = null;
            }
            int statement = i == 0 ? 0 : -1; // the rest of a line after a closing string starts no statement
            while (i <= line.length()) {
                char c = i < line.length() ? line.charAt(i) : ';';
                if (c == '#' || c == ';') {
                    if (statement >= 0) {
                        statement(line.substring(statement, i), modules);
                    }
                    if (c == '#') {
                        break;
                    }
                    statement = i + 1;
                    i++;
                } else if (c == '"' || c == '\'') {
                    String triple = String.valueOf(c).repeat(3);
                    if (line.startsWith(triple, i)) {
                        int end = line.indexOf(triple, i + 3);
                        if (end < 0) {
                            openTriple = triple;
                            break;
                        }
                        i = end + 3;
                    } else {
                        i = closingQuote(line, i + 1, c) + 1;
                    }
                } else {
                    i++;
                }
            }
        }
        return modules;
    }

    /** Past the quote that closes a one-line string (a backslash escapes), or the line's end. */
    private static int closingQuote(String line, int from, char quote) {
        for (int i = from; i < line.length(); i++) {
            if (line.charAt(i) == '\\') {
                i++;
            } else if (line.charAt(i) == quote) {
                return i;
            }
        }
        return line.length();
    }

    private static void statement(String text, Set<String> into) {
        String statement = text.strip();
        Matcher from = FROM.matcher(statement);
        if (from.matches()) {
            into.add(from.group(1).split("\\.", 2)[0]);
            return;
        }
        Matcher imports = IMPORT.matcher(statement);
        if (imports.matches()) {
            for (String item : imports.group(1).split(",")) {
                Matcher name = NAME.matcher(item.strip());
                if (name.matches()) {
                    into.add(name.group(1));
                }
            }
        }
    }
}
