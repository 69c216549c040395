package dev.kio.bench.files;

import org.HdrHistogram.Histogram;

import dev.kio.Task;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.fs.OpenFlags;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;

/**
 * kio's peer in the file workload: one worker, pinned to the first CPU this process may use, keeps
 * {@code qd} random 4 KiB reads of one file in flight. Each read is a {@link Reader} frame that
 * awaits {@code READ_FIXED} into a buffer of its own, checks the bytes, records the latency and
 * submits the next read, so every turn of the worker's loop submits the reads that the completions
 * it reaped made room for, in one {@code io_uring_enter}.
 *
 * <p>The buffers come from the worker's {@link BufferPool}, configured through
 * {@link IoPool.Builder#buffers} as {@code qd} 4 KiB buffers registered with the ring (the default
 * pool has 64 registered 16 KiB buffers, too few for QD 128); the pool's slab is page-aligned, and
 * {@link KioFile#read(Buffer, int, int, long)} checks O_DIRECT's alignment for each read.
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp kio-benchmarks.jar dev.kio.bench.files.KioRandomRead
 * --file PATH --qd 32 [--direct] [--seconds 5] [--warmup 2] [--json OUT]} (see {@link ReadOptions}).
 */
public final class KioRandomRead {
    private KioRandomRead() {
    }

    public static void main(String[] args) throws Exception {
        ReadOptions o = ReadOptions.parse("KioRandomRead", "kio", args);
        run(o).report(o);
    }

    /** Runs the reads {@code o} describes on a pool of its own; fails on the first read the kernel fails. */
    static ReadResult run(ReadOptions o) throws Exception {
        long size = BenchFile.checkedSize(o.file());
        int cpu = IoPool.allowedCpus()[0];
        try (IoPool pool = IoPool.builder().workers(1).cpus(cpu).threadNamePrefix("kio-files-")
                .buffers(new BufferPool.Config(ReadOptions.BLOCK, o.qd(), o.qd())).start()) {
            ReadAll all = new ReadAll(FileManager.of(pool), o, size);
            Window window = all.window;
            pool.worker(0).syncWait(all);
            return new ReadResult(all.requests, all.errors, all.latencies, window.seconds(), window.cpuSeconds(),
                    window.allocatedBytes(), size, "1 worker on CPU " + cpu + ", " + o.qd() + " x 4 KiB buffers "
                            + (all.registered ? "registered (READ_FIXED)" : "not registered (READ): " + all.whyNotRegistered));
        }
    }

    /** Opens the file, runs the readers until the window is over, and closes what it opened. */
    static final class ReadAll extends Frame<Void> {
        final Histogram latencies = ReadResult.newHistogram();
        final Window window;
        long requests;
        long errors;
        boolean registered;
        String whyNotRegistered;
        private final FileManager files;
        private final ReadOptions options;
        private final long size;
        private Task<KioFile> opening;
        private Task<Void> closing;
        private KioFile file;
        private BufferPool buffers;
        private Reader[] readers;
        private Throwable failed;

        ReadAll(FileManager files, ReadOptions options, long size) {
            this.files = files;
            this.options = options;
            this.size = size;
            this.window = Window.open(options);
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    state = 1;
                    opening = files.open(options.file(), OpenFlags.RDONLY | (options.direct() ? OpenFlags.DIRECT : 0), 0);
                    if (await(opening)) {
                        return;
                    }
                    step();
                }
                case 1 -> {
                    file = resultOf(opening);
                    buffers = worker().buffers();
                    registered = buffers.registered();
                    whyNotRegistered = buffers.registrationError();
                    readers = new Reader[options.qd()];
                    state = 2;
                    boolean suspended = false;
                    for (int i = 0; i < readers.length; i++) {
                        readers[i] = new Reader(this, file, buffers.acquire(), new RandomBlocks(size, i));
                        suspended |= await(readers[i]);
                    }
                    if (suspended) {
                        return;
                    }
                    step();
                }
                case 2 -> {
                    // Resumed by each reader that finishes: wait for the last one.
                    for (Reader r : readers) {
                        if (!r.isDone()) {
                            awaitMore();
                            return;
                        }
                    }
                    for (Reader r : readers) {
                        try {
                            resultOf(r);
                        } catch (Throwable t) {
                            // The first failure is the run's; the file is closed before it is rethrown.
                            failed = failed == null ? t : failed;
                        }
                        r.buffer.release();
                    }
                    state = 3;
                    closing = file.close();
                    if (await(closing)) {
                        return;
                    }
                    step();
                }
                default -> {
                    resultOf(closing);
                    if (failed != null) {
                        throw failed;
                    }
                    complete(null);
                }
            }
        }
    }

    /** One read in flight at a time, from its own buffer, until the window is over. */
    static final class Reader extends Frame<Void> {
        private final ReadAll all;
        private final KioFile file;
        final Buffer buffer;
        private final RandomBlocks positions;
        private long position;
        private long submitted;

        Reader(ReadAll all, KioFile file, Buffer buffer, RandomBlocks positions) {
            this.all = all;
            this.file = file;
            this.buffer = buffer;
            this.positions = positions;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 1) {
                int n = result();
                long now = System.nanoTime();
                if (n != ReadOptions.BLOCK || !BenchFile.matches(buffer.segment(), position)) {
                    all.errors++;
                } else if (all.window.counts(now)) {
                    all.requests++;
                    all.latencies.recordValue(now - submitted);
                }
                if (all.window.over(now)) {
                    complete(null);
                    return;
                }
            }
            state = 1;
            position = positions.next();
            submitted = System.nanoTime();
            await(file.read(buffer, 0, ReadOptions.BLOCK, position));
        }
    }
}
