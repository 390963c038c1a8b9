package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** Removes one cgroup directory; false while processes still hold it. */
    static boolean removeDir(Path dir) {
        return !Files.isDirectory(dir) || dir.toFile().delete();
    }
}
