package dev.kio.examples;

import static dev.kio.Flows.await;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.fs.FileStat;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.fs.OpenFlags;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Line and character counts of files through {@link FileManager}, kio's file-system demo: each
 * file's canonical path hashes to one worker, and its stat, open, reads and close run there. The
 * counting flow itself runs on worker 0: every {@code readFully} moves to the file's worker, reads
 * a chunk into a pooled buffer, and comes back, so files spread over the pool by path while the
 * caller stays where it is. Characters are UTF-8 code points (bytes that do not continue a
 * sequence); lines are newline characters, as {@code wc -l} counts them.
 *
 * <pre>{@code KIO_DEMO_MAIN=dev.kio.examples.WordCount scripts/demo FILE...}</pre>
 */
@IoHandler
public abstract class WordCount {
    /**
     * One file's counts.
     *
     * @param worker the index of the worker the file's path belongs to
     */
    public record Counts(Path path, long bytes, long chars, long lines, int worker) {
    }

    /**
     * What a run counted, in the order the paths were given, and what failed.
     *
     * @param failures one message per file that could not be counted, naming its path
     */
    public record Report(List<Counts> counted, List<String> failures) {
    }

    /** Counts {@code path}'s lines and characters, reading it in buffer-sized chunks on its worker. */
    @Flow
    public Counts count(FileManager files, Path path) throws Throwable {
        FileStat stat = await(files.stat(path));
        if (stat.isDirectory()) {
            throw new IOException("wordcount: " + path.toAbsolutePath().normalize() + " is a directory");
        }
        KioFile file = await(files.open(path, OpenFlags.RDONLY, 0));
        Buffer buffer = Worker.current().buffers().acquire();
        long chars = 0;
        long lines = 0;
        try {
            long position = 0;
            while (position < stat.size()) {
                int n = (int) Math.min(buffer.capacity(), stat.size() - position);
                MemorySegment chunk = buffer.segment();
                await(file.readFully(chunk, 0, n, position));
                for (int i = 0; i < n; i++) {
                    byte b = chunk.get(JAVA_BYTE, i);
                    if (b == '\n') {
                        lines++;
                    }
                    if ((b & 0xC0) != 0x80) {
                        chars++;
                    }
                }
                position += n;
            }
        } finally {
            buffer.release();
            await(file.close());
        }
        return new Counts(file.path(), stat.size(), chars, lines, file.worker().index());
    }

    /** Counts each path in turn from worker 0 of {@code pool}, printing one line per file and a total. */
    public static Report run(IoPool pool, List<Path> paths, PrintStream out) throws Exception {
        FileManager files = FileManager.of(pool);
        WordCount wc = new WordCount_Kio();
        List<Counts> counted = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Path path : paths) {
            try {
                Counts c = pool.worker(0).syncWait(WordCount_Kio.count(wc, files, path));
                counted.add(c);
                out.printf(Locale.ROOT, "%8d %10d %10d %s (worker %d)%n", c.lines(), c.chars(), c.bytes(), c.path(),
                        c.worker());
            } catch (IOException e) {
                failures.add(e.getMessage());
                out.println(e.getMessage());
            }
        }
        out.printf(Locale.ROOT, "%8d %10d %10d total (lines, characters, bytes) of %d file(s)%s%n",
                counted.stream().mapToLong(Counts::lines).sum(), counted.stream().mapToLong(Counts::chars).sum(),
                counted.stream().mapToLong(Counts::bytes).sum(), counted.size(),
                failures.isEmpty() ? "" : ", " + failures.size() + " failed");
        return new Report(List.copyOf(counted), List.copyOf(failures));
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: WordCount FILE...");
            System.exit(64);
        }
        try (IoPool pool = IoPool.builder().start()) {
            Report report = run(pool, java.util.Arrays.stream(args).map(Path::of).toList(), System.out);
            if (!report.failures().isEmpty()) {
                System.exit(1);
            }
        }
    }
}
