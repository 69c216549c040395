package dev.kio.runtime.fs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

import dev.kio.Operation;
import dev.kio.Task;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/** A two-worker pool and its FileManager, with ways to run file tasks and ops from a chosen worker. */
final class FsPool implements AutoCloseable {
    final IoPool pool;
    final FileManager files;

    private FsPool(IoPool pool) {
        this.pool = pool;
        this.files = FileManager.of(pool);
    }

    static FsPool start() throws RingSetupException {
        return new FsPool(IoPool.builder().workers(2).pin(false).start());
    }

    /** The worker that does not own {@code path}: awaiting from there makes a task move and come back. */
    Worker notOwning(Path path) {
        Worker owner = files.workerFor(path);
        return pool.worker(owner.index() == 0 ? 1 : 0);
    }

    /**
     * Awaits the task {@code make} creates, from a frame on {@code caller}; fails unless that frame
     * resumed on {@code caller}'s thread. Returns the task's result or rethrows its exception.
     */
    <T> T await(Worker caller, Supplier<Task<T>> make) throws Exception {
        return caller.syncWait(new AwaitTask<>(make));
    }

    /** Awaits the op {@code make} creates, from a frame on {@code worker}: its result or typed error. */
    int awaitOp(Worker worker, Supplier<Operation> make) throws Exception {
        return worker.syncWait(new AwaitOp(make));
    }

    KioFile open(Path path, int flags, int mode) throws Exception {
        return await(notOwning(path), () -> files.open(path, flags, mode));
    }

    void close(KioFile file) throws Exception {
        await(notOwning(file.path()), file::close);
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * A new empty directory under {@code java.io.tmpdir} (ext4 here, so O_DIRECT works). Not
     * JUnit's {@code @TempDir}: it names directories with a SecureRandom that keeps /dev/random and
     * /dev/urandom open for the rest of the run, which FdLeakCheck would rightly report.
     */
    static Path scratchDir() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createDirectory(tmp.resolve("kio-fs-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    }

    /** Deletes {@code dir} and everything under it. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Makes a FIFO (named pipe) with mkfifo(1); no pipe to the child outlives it. */
    static Path fifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor() != 0) {
            throw new IOException("mkfifo " + path + " exited with " + p.exitValue());
        }
        return path;
    }

    static final class AwaitTask<T> extends Frame<T> {
        private final Supplier<Task<T>> make;
        private Task<T> task;
        private Thread home;

        AwaitTask(Supplier<Task<T>> make) {
            this.make = make;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                home = Thread.currentThread();
                task = make.get();
                state = 1;
                if (await(task)) {
                    return;
                }
            }
            if (Thread.currentThread() != home) {
                throw new AssertionError("the awaiting frame resumed on " + Thread.currentThread().getName()
                        + ", not on its own worker's thread " + home.getName());
            }
            complete(resultOf(task));
        }
    }

    static final class AwaitOp extends Frame<Integer> {
        private final Supplier<Operation> make;

        AwaitOp(Supplier<Operation> make) {
            this.make = make;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                if (await(make.get())) {
                    return;
                }
            }
            complete(result());
        }
    }
}
