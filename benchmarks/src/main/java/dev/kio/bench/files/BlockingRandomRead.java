package dev.kio.bench.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.HdrHistogram.Histogram;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * The JDK's peers in the file workload: {@code qd} threads share one {@link FileChannel}, each
 * doing one positional read after another ({@code pread(2)}, blocking), so {@code qd} reads are in
 * flight as with kio. {@code --peer filechannel-pool} (the default) runs them on a fixed pool of
 * {@code qd} platform threads, {@code --peer vthreads} on {@code qd} virtual threads. O_DIRECT
 * through {@link ExtendedOpenOption#DIRECT}, with buffers aligned by {@link ByteBuffer#alignedSlice}.
 *
 * <p>{@code java -cp kio-benchmarks.jar dev.kio.bench.files.BlockingRandomRead --peer vthreads
 * --file PATH --qd 32 [--direct] [--seconds 5] [--warmup 2] [--json OUT]} (see {@link ReadOptions}).
 */
public final class BlockingRandomRead {
    private BlockingRandomRead() {
    }

    public static void main(String[] args) throws Exception {
        ReadOptions o = ReadOptions.parse("BlockingRandomRead", "filechannel-pool", args);
        run(o).report(o);
    }

    static ReadResult run(ReadOptions o) throws Exception {
        boolean virtual = switch (o.peer()) {
            case "filechannel-pool" -> false;
            case "vthreads" -> true;
            default -> throw new IllegalArgumentException("--peer must be filechannel-pool or vthreads, got " + o.peer());
        };
        long size = BenchFile.checkedSize(o.file());
        OpenOption[] open = o.direct() ? new OpenOption[] {StandardOpenOption.READ, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.READ};
        List<Reader> readers = new ArrayList<>();
        for (int i = 0; i < o.qd(); i++) {
            readers.add(new Reader(new RandomBlocks(size, i)));
        }
        Window window;
        try (FileChannel channel = FileChannel.open(o.file(), open);
                ExecutorService threads = virtual ? Executors.newVirtualThreadPerTaskExecutor() : Executors.newFixedThreadPool(o.qd())) {
            window = Window.open(o);
            List<Future<?>> running = new ArrayList<>();
            for (Reader r : readers) {
                running.add(threads.submit(() -> {
                    r.run(channel, window);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
        Histogram latencies = ReadResult.newHistogram();
        long requests = 0;
        long errors = 0;
        for (Reader r : readers) {
            latencies.add(r.latencies);
            requests += r.requests;
            errors += r.errors;
        }
        return new ReadResult(requests, errors, latencies, window.seconds(), window.cpuSeconds(), window.allocatedBytes(), size,
                o.qd() + (virtual ? " virtual threads" : " platform threads (fixed pool)") + ", one shared FileChannel"
                        + (o.direct() ? ", ExtendedOpenOption.DIRECT" : ""));
    }

    /** One thread's reads: its own aligned buffer, positions and histogram (merged once all are done). */
    private static final class Reader {
        final Histogram latencies = ReadResult.newHistogram();
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(2 * ReadOptions.BLOCK).alignedSlice(ReadOptions.BLOCK)
                .limit(ReadOptions.BLOCK).slice().order(ByteOrder.LITTLE_ENDIAN);
        private final RandomBlocks positions;
        long requests;
        long errors;

        Reader(RandomBlocks positions) {
            this.positions = positions;
        }

        void run(FileChannel channel, Window window) throws IOException {
            for (;;) {
                long position = positions.next();
                buffer.clear();
                long submitted = System.nanoTime();
                int n = channel.read(buffer, position);
                long now = System.nanoTime();
                if (n != ReadOptions.BLOCK || !BenchFile.matches(buffer, position)) {
                    errors++;
                } else if (window.counts(now)) {
                    requests++;
                    latencies.recordValue(now - submitted);
                }
                if (window.over(now)) {
                    return;
                }
            }
        }
    }
}
