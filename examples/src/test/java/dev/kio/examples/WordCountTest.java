package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.worker.IoPool;

/** The wordcount example: known line and character counts, files routed by path, a missing file named. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WordCountTest {

    @Test
    void countsLinesAndUtf8CharactersOnEachFilesWorkerAndNamesAMissingFile() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "wordcount-" + System.nanoTime()).toAbsolutePath());
        try (IoPool pool = IoPool.builder().workers(2).pin(false).start()) {
            List<Path> paths = new ArrayList<>();
            paths.add(Files.writeString(dir.resolve("two-lines"), "hello\nworld\n"));
            paths.add(Files.writeString(dir.resolve("utf8"), "héllo €\nno newline at the end", StandardCharsets.UTF_8));
            paths.add(Files.writeString(dir.resolve("empty"), ""));
            paths.add(Files.writeString(dir.resolve("big"), "abcdefghi\n".repeat(50_000)));
            Path missing = dir.resolve("missing");
            paths.add(missing);
            for (int i = 0; i < 6; i++) {
                paths.add(Files.writeString(dir.resolve("small-" + i), "x\n".repeat(i)));
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            WordCount.Report report = WordCount.run(pool, paths, new PrintStream(text, true, StandardCharsets.UTF_8));
            String output = text.toString(StandardCharsets.UTF_8);

            List<WordCount.Counts> c = report.counted();
            assertEquals(10, c.size(), output);
            assertEquals(new WordCount.Counts(paths.get(0), 12, 12, 2, c.get(0).worker()), c.get(0));
            assertEquals(List.of(32L, 29L, 1L), List.of(c.get(1).bytes(), c.get(1).chars(), c.get(1).lines()),
                    "é and € are one character each");
            assertEquals(List.of(0L, 0L, 0L), List.of(c.get(2).bytes(), c.get(2).chars(), c.get(2).lines()));
            assertEquals(List.of(500_000L, 500_000L, 50_000L), List.of(c.get(3).bytes(), c.get(3).chars(), c.get(3).lines()),
                    "read in many chunks");
            for (int i = 0; i < 6; i++) {
                assertEquals(i, c.get(4 + i).lines());
            }
            FileManager files = FileManager.of(pool);
            for (WordCount.Counts counts : c) {
                assertEquals(files.workerFor(counts.path()).index(), counts.worker(), "each file is read on its path's worker");
            }
            assertEquals(2, c.stream().map(WordCount.Counts::worker).distinct().count(), "ten paths spread over both workers");
            assertEquals(List.of("statx(" + missing + ") failed: ENOENT (No such file or directory)"), report.failures());
            assertTrue(output.contains("   50018     500071     500074 total (lines, characters, bytes) of 10 file(s), 1 failed"),
                    output);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
