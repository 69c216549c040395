package dev.kio.runtime.worker;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A set of share-nothing workers, by default one per CPU the process may use, each pinned to
 * its CPU with its own ring.
 *
 * <pre>{@code
 * try (IoPool pool = IoPool.builder().workers(2).onStart(w -> w.spawn(new Server(w))).start()) {
 *     ...
 * }
 * }</pre>
 *
 * {@link #close()} is a graceful stop: every in-flight operation is cancelled, frames get to
 * finish, and rings and memory are freed only once the kernel has completed everything (or, past
 * the grace period, memory the kernel may still write is kept rather than freed).
 */
public final class IoPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.kio.runtime.worker");

    private final Worker[] workers;
    private final Duration stopGrace;
    private final BiConsumer<Worker, Throwable> uncaught;
    final BufferPool.Config buffers;

    private IoPool(Builder b, int[] cpus) {
        this.stopGrace = b.stopGrace;
        this.buffers = b.buffers;
        this.uncaught = b.uncaught;
        this.workers = new Worker[b.workers];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, i, b.pin ? cpus[i % cpus.length] : -1, this::onDetachedDone);
        }
    }

    private void onDetachedDone(Frame<?> frame) {
        Throwable failure = frame.failure();
        Worker w = frame.worker;
        frame.recycle(frame.worker);
        if (failure != null) {
            reportUncaught(w, failure);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public int size() {
        return workers.length;
    }

    public Worker worker(int index) {
        return workers[index];
    }

    /** The worker a key belongs to: the same key always picks the same worker. */
    public Worker workerFor(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return workers[Math.floorMod(h * 0x9E3779B9, workers.length)];
    }

    public List<Worker> workers() {
        return List.of(workers);
    }

    void reportUncaught(Worker worker, Throwable t) {
        try {
            uncaught.accept(worker, t);
        } catch (Throwable handlerFailure) {
            handlerFailure.addSuppressed(t);
            LOG.log(Level.ERROR, "uncaught-exception handler failed on " + worker, handlerFailure);
        }
    }

    /** Asks every worker to stop (see the class doc); returns at once. */
    public void stop() {
        for (Worker w : workers) {
            w.requestStop(stopGrace.toNanos());
        }
    }

    /**
     * Waits until every worker thread has ended.
     *
     * @return false if the timeout elapsed first
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Worker w : workers) {
            long left = deadline - System.nanoTime();
            if (!w.terminated.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                return false;
            }
            if (w.thread != null) {
                w.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (w.thread.isAlive()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Graceful stop, waiting up to the grace period plus a margin for the threads to end. */
    @Override
    public void close() {
        stop();
        try {
            if (!awaitTermination(stopGrace.plusSeconds(5))) {
                LOG.log(Level.WARNING, "kio pool did not terminate within {0}", stopGrace.plusSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startAll(Builder b) throws RingSetupException {
        for (Worker w : workers) {
            RingOptions ring = b.ring;
            if (b.pinIoWorkers && w.cpu >= 0) {
                ring = ring.withIowqCpu(w.cpu);
            }
            RingOptions options = ring;
            WorkerThread t = new WorkerThread(w, b.threadNamePrefix + w.index, () -> runWorker(w, options, b));
            w.thread = t;
            t.start();
        }
        Throwable failure = null;
        for (Worker w : workers) {
            try {
                w.started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
                break;
            }
            if (w.startFailure != null && failure == null) {
                failure = w.startFailure;
            }
        }
        if (failure != null) {
            close();
            if (failure instanceof RingSetupException e) {
                throw e;
            }
            throw new IllegalStateException("kio pool failed to start: " + failure.getMessage(), failure);
        }
    }

    private void runWorker(Worker w, RingOptions options, Builder b) {
        Driver driver;
        try {
            if (w.cpu >= 0) {
                w.affinity = pin(w);
            }
            driver = Driver.open(w, options, b.initialOps);
            w.attach(driver);
        } catch (Throwable t) {
            w.startFailure = t;
            w.markTerminated();
            w.started.countDown();
            w.terminated.countDown();
            return;
        }
        try {
            if (b.onStart != null) {
                b.onStart.init(w);
            }
        } catch (Throwable t) {
            w.startFailure = new IllegalStateException("init callback failed on " + w + ": " + t, t);
        }
        w.markRunning();
        w.started.countDown();
        try {
            driver.run();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "kio " + w + " failed; it is stopping", t);
            w.stopRequested = true;
            reportUncaught(w, t);
        } finally {
            w.terminated.countDown();
        }
    }

    private static int[] pin(Worker w) {
        int rc = Native.setAffinity(w.cpu);
        if (rc < 0) {
            throw new IllegalStateException("cannot pin " + w + " to CPU " + w.cpu + ": " + Errno.name(-rc)
                    + (rc == -Errno.EINVAL ? " (the CPU is not in this process's allowed set "
                            + Arrays.toString(allowedCpus()) + ")" : ""));
        }
        int[] got = currentAffinity();
        if (got.length != 1 || got[0] != w.cpu) {
            throw new IllegalStateException("pinned " + w + " to CPU " + w.cpu + " but the kernel reports "
                    + Arrays.toString(got));
        }
        return got;
    }

    /** The CPUs the calling thread may run on. */
    public static int[] allowedCpus() {
        return currentAffinity();
    }

    private static int[] currentAffinity() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(JAVA_LONG, 16);
            int rc = Native.getAffinity(words);
            if (rc < 0) {
                throw new IllegalStateException("sched_getaffinity failed: " + Errno.name(-rc));
            }
            List<Integer> cpus = new ArrayList<>();
            for (int word = 0; word < 16; word++) {
                long bits = words.getAtIndex(JAVA_LONG, word);
                for (int bit = 0; bit < 64; bit++) {
                    if ((bits & 1L << bit) != 0) {
                        cpus.add(word * 64 + bit);
                    }
                }
            }
            return cpus.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** Runs on each worker's thread after its ring is set up, before it serves: a server's entry point. */
    @FunctionalInterface
    public interface WorkerInit {
        void init(Worker worker) throws Exception;
    }

    /** Configures and starts a pool. */
    public static final class Builder {
        private int workers = -1;
        private int[] cpus;
        private boolean pin = true;
        private boolean pinIoWorkers = true;
        private RingOptions ring = RingOptions.defaults();
        private int initialOps = 1024;
        private BufferPool.Config buffers = BufferPool.Config.defaults();
        private WorkerInit onStart;
        private Duration stopGrace = Duration.ofSeconds(5);
        private String threadNamePrefix = "kio-worker-";
        private BiConsumer<Worker, Throwable> uncaught =
                (w, t) -> LOG.log(Level.ERROR, "uncaught exception in a detached task on " + w, t);

        private Builder() {
        }

        /** Number of workers; default one per CPU in {@link #cpus} (or the process's allowed CPUs). */
        public Builder workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("a pool needs at least one worker, got " + n);
            }
            workers = n;
            return this;
        }

        /** CPUs to pin workers to, worker i on {@code cpus[i % cpus.length]}; default: the allowed CPUs. */
        public Builder cpus(int... cpus) {
            if (cpus.length == 0) {
                throw new IllegalArgumentException("the CPU list is empty");
            }
            this.cpus = cpus.clone();
            return this;
        }

        /** Whether to pin worker threads (default true). */
        public Builder pin(boolean pin) {
            this.pin = pin;
            return this;
        }

        /** Whether to pin each ring's io-wq threads to its worker's CPU, as kio does (default true). */
        public Builder pinIoWorkers(boolean pin) {
            this.pinIoWorkers = pin;
            return this;
        }

        public Builder ring(RingOptions ring) {
            this.ring = Objects.requireNonNull(ring);
            return this;
        }

        /** Op-table slots each worker starts with; the table grows when they are all in flight. */
        public Builder initialOps(int n) {
            this.initialOps = n;
            return this;
        }

        /** Each worker's {@link Worker#buffers() buffer pool}; default {@link BufferPool.Config#defaults()}. */
        public Builder buffers(BufferPool.Config config) {
            this.buffers = Objects.requireNonNull(config);
            return this;
        }

        public Builder onStart(WorkerInit init) {
            this.onStart = init;
            return this;
        }

        /** How long a stop waits for in-flight operations to be cancelled and complete (default 5 s). */
        public Builder stopGrace(Duration grace) {
            this.stopGrace = Objects.requireNonNull(grace);
            return this;
        }

        public Builder threadNamePrefix(String prefix) {
            this.threadNamePrefix = Objects.requireNonNull(prefix);
            return this;
        }

        /** Receives exceptions that end detached tasks (default: System.Logger at ERROR). */
        public Builder uncaughtExceptionHandler(BiConsumer<Worker, Throwable> handler) {
            this.uncaught = Objects.requireNonNull(handler);
            return this;
        }

        /**
         * Starts every worker and returns once each has pinned itself, set up its ring and run
         * its init callback.
         *
         * @throws RingSetupException    when a ring cannot be set up (with the cause and the fix)
         * @throws IllegalStateException when pinning or an init callback fails; the pool is stopped
         */
        public IoPool start() throws RingSetupException {
            int[] allowed = cpus != null ? cpus : allowedCpus();
            int n = workers > 0 ? workers : allowed.length;
            Builder b = copy(n);
            IoPool pool = new IoPool(b, allowed);
            pool.startAll(b);
            return pool;
        }

        private Builder copy(int n) {
            Builder b = new Builder();
            b.workers = n;
            b.cpus = cpus;
            b.pin = pin;
            b.pinIoWorkers = pinIoWorkers;
            b.ring = ring;
            b.initialOps = initialOps;
            b.buffers = buffers;
            b.onStart = onStart;
            b.stopGrace = stopGrace;
            b.threadNamePrefix = threadNamePrefix;
            b.uncaught = uncaught;
            return b;
        }
    }
}
