package dev.codelab.sandbox.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines of the runsc binary, with the flags every sandbox of this service shares. */
final class Runsc {

    private final List<String> global = new ArrayList<>();
    private final Path stateRoot;

    Runsc(SandboxConfig config, Path stateRoot) {
        this.stateRoot = stateRoot;
        global.add(config.runsc());
        global.add("--root=" + stateRoot);
        global.add("--network=none");
        global.add("--platform=" + config.platform());
        global.add("--oci-seccomp");
        global.addAll(config.extraFlags());
    }

    Path stateRoot() {
        return stateRoot;
    }

    /** {@code flags}: global flags of this sandbox alone (its runtime monitoring). */
    List<String> run(String id, Path bundle, List<String> flags) {
        return command(flags, "run", "--bundle=" + bundle, id);
    }

    List<String> restore(String id, Path bundle, Path image, List<String> flags) {
        return command(flags, "restore", "--bundle=" + bundle, "--image-path=" + image, id);
    }

    List<String> checkpoint(String id, Path image) {
        // Uncompressed: a larger image, but restores twice as fast.
        return command("checkpoint", "--compression=none", "--image-path=" + image, id);
    }

    List<String> kill(String id) {
        return command("kill", "--all", id, "KILL");
    }

    List<String> delete(String id) {
        return command("delete", "--force", id);
    }

    /** What runsc keeps of a stopped container: its state, its lock and its control socket. */
    List<Path> stateFiles(String id) {
        String name = id + "_sandbox:" + id;
        return List.of(stateRoot.resolve(name + ".state"), stateRoot.resolve(name + ".lock"),
                stateRoot.resolve("runsc-" + id + ".sock"));
    }

    List<String> list() {
        return command("list");
    }

    private List<String> command(String... args) {
        return command(List.of(), args);
    }

    private List<String> command(List<String> flags, String... args) {
        List<String> command = new ArrayList<>(global);
        command.addAll(flags);
        command.addAll(List.of(args));
        return command;
    }
}
