package dev.kio.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a demo leaves open: compared before and after a run. */
final class OpenFds {
    private OpenFds() {
    }

    /** The targets of this process's open fds (the listing's own directory fd included, both times). */
    static List<String> list() throws IOException {
        List<String> fds = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : entries.sorted().toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    target = "(gone)";
                }
                fds.add(fd.getFileName() + " -> " + target);
            }
        }
        return fds;
    }
}
