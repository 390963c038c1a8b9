package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads and writes cgroup interface files: a single number, or one "key value" pair per line. */
final class CgroupFiles {

    private CgroupFiles() {
    }

    static void write(Path file, Object value) throws IOException {
        Files.writeString(file, value.toString());
    }

    /** The file's number; 0 when it cannot be read (the cgroup is gone, or the kernel lacks it). */
    static long read(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The number on the line that starts with {@code key}; -1 when there is no such line or file. */
    static long readKey(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key + " ")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Names of the directories in {@code dir} (child cgroups); none when it cannot be listed. */
    static Set<String> subdirectories(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).map(child -> child.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /**
     * Tries {@code removal} every 50 ms, at most {@code attempts} times: a cgroup can go only once
     * its processes have exited. True once it succeeded.
     */
    static boolean removeWithin(int attempts, BooleanSupplier removal) throws InterruptedException {
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (removal.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Removes one cgroup directory; false while processes still hold it. */
    static boolean removeDir(Path dir) {
        return !Files.isDirectory(dir) || dir.toFile().delete();
    }
}
