package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.TestInfo;

/**
 * Generated sources compared, text for text, with goldens stored as
 * {@code src/test/resources/goldens/<TestClass>/<testMethod>/<qualified.Name>.java}. Run with
 * {@code -Dkio.goldens.write=true} ({@code scripts/regen-goldens}) to write them instead.
 */
final class Goldens {
    static final String WRITE_PROPERTY = "kio.goldens.write";
    private static final String REGENERATE = "If the change is intended, run scripts/regen-goldens and review the diff.";

    private Goldens() {
    }

    /** The module directory: surefire runs there, and sets {@code basedir} to it. */
    private static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** Where a golden is, as the user sees it from the repository root. */
    private static Path shown(Path golden) {
        return moduleDir().getParent().relativize(golden);
    }

    /** Checks (or writes) every source {@code c} generated against the goldens of the running test. */
    static void check(Compiled c, TestInfo test) {
        Path dir = moduleDir().resolve(Path.of("src", "test", "resources", "goldens",
                test.getTestClass().orElseThrow().getSimpleName(), test.getTestMethod().orElseThrow().getName()));
        Map<String, String> generated = sources(c.generated);
        if (Boolean.getBoolean(WRITE_PROPERTY)) {
            write(dir, generated);
            return;
        }
        for (Map.Entry<String, String> e : generated.entrySet()) {
            Path golden = dir.resolve(e.getKey() + ".java");
            if (!Files.isRegularFile(golden)) {
                fail("no golden for the generated " + e.getKey() + ": expected " + shown(golden) + ". Run"
                        + " scripts/regen-goldens to write it, and review it.");
            }
            compare(read(golden), e.getValue(), shown(golden));
        }
        for (String stale : goldenNames(dir)) {
            if (!generated.containsKey(stale)) {
                fail("the golden " + shown(dir.resolve(stale + ".java")) + " was not generated. " + REGENERATE);
            }
        }
    }

    private static void compare(String golden, String generated, Path shown) {
        if (golden.equals(generated)) {
            return;
        }
        List<String> g = golden.lines().toList();
        List<String> n = generated.lines().toList();
        int line = 0;
        while (line < g.size() && line < n.size() && g.get(line).equals(n.get(line))) {
            line++;
        }
        fail("the generated source differs from its golden " + shown + " at line " + (line + 1) + ":\n  golden:    "
                + (line < g.size() ? g.get(line) : "<end of file>") + "\n  generated: "
                + (line < n.size() ? n.get(line) : "<end of file>") + "\n" + REGENERATE);
    }

    /** The text of each generated source, by qualified name. */
    static Map<String, String> sources(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            Map<String, String> out = new TreeMap<>();
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String rel = root.relativize(f).toString();
                out.put(rel.substring(0, rel.length() - ".java".length()).replace(f.getFileSystem().getSeparator(), "."),
                        read(f));
            });
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> goldenNames(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".java"))
                    .map(f -> f.substring(0, f.length() - ".java".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path dir, Map<String, String> generated) {
        try {
            Files.createDirectories(dir);
            for (String stale : goldenNames(dir)) {
                Files.delete(dir.resolve(stale + ".java"));
            }
            for (Map.Entry<String, String> e : generated.entrySet()) {
                Files.writeString(dir.resolve(e.getKey() + ".java"), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
