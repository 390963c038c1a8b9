package dev.codelab.sandbox.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Short SHA-256 digests of files under a root, by their names relative to it (so the same files
 * digest alike wherever the root is mounted): 16 hex digits; a missing file counts as empty.
 */
final class Digests {

    private Digests() {
    }

    static String of(Path root, List<String> files) {
        MessageDigest digest = sha256();
        for (String file : files) {
            digest.update(file.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            try {
                digest.update(Files.readAllBytes(root.resolve(file)));
            } catch (IOException e) {
                digest.update((byte) 0);
            }
        }
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }

    /** The files under {@code root} whose names end in {@code suffix}, in name order. */
    static String ofTree(Path root, String suffix) {
        try (Stream<Path> files = Files.walk(root)) {
            return of(root, files.filter(Files::isRegularFile).filter(file -> file.toString().endsWith(suffix))
                    .map(file -> root.relativize(file).toString()).sorted().toList());
        } catch (IOException e) {
            return of(root, List.of());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
