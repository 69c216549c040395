package dev.kio.runtime.worker;

import java.time.Duration;

import dev.kio.OpException;
import dev.kio.Operation;
import dev.kio.Task;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.spi.DirectAwait;

/**
 * Direct mode: flow bodies run as plain blocking Java on the calling thread, for debugging and
 * tests. The thread gets a ring of its own (an unpinned worker that it drives itself); while
 * the scope is open, {@link dev.kio.Flows#await} submits there and blocks until the completion,
 * and {@link Worker#current()} is that worker, so ops are created as on a pool's worker.
 *
 * <pre>{@code
 * try (DirectMode direct = DirectMode.open()) {
 *     handler.session(conn);          // the @Flow method, called as ordinary Java
 * }
 * }</pre>
 *
 * Closing cancels what is still pending and waits (up to the grace period) for the kernel to
 * finish with it before the ring and its memory are freed.
 */
public final class DirectMode implements AutoCloseable, DirectAwait {
    private static final ThreadLocal<DirectMode> CURRENT = new ThreadLocal<>();
    /**
     * The direct mode opened last, until its thread closes it: {@link Worker#current()} on that
     * thread (a benchmark's, a test's) without the {@code ThreadLocal} lookup. Volatile so that a
     * thread never reads back a mode of its own that it has closed; another thread's mode never
     * matches the reading thread.
     */
    private static volatile DirectMode last;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Worker worker;
    private final Driver driver;
    /** The awaiter of the task {@link #await(Task)} runs: its end must not leave the turn blocked in the kernel. */
    private final Awaiter ended;

    private DirectMode(Worker worker, Driver driver) {
        this.worker = worker;
        this.driver = driver;
        this.ended = f -> driver.goalReached();
    }

    /** Opens direct mode on the calling thread with a default ring. */
    public static DirectMode open() throws RingSetupException {
        return open(RingOptions.defaults());
    }

    /**
     * Opens direct mode on the calling thread.
     *
     * @throws IllegalStateException on a pool's worker thread (which must never block) or when
     *     this thread is already in direct mode
     */
    public static DirectMode open(RingOptions options) throws RingSetupException {
        Thread self = Thread.currentThread();
        if (self instanceof WorkerThread t) {
            throw new IllegalStateException("direct mode blocks its thread; " + t.worker + " must not open it");
        }
        if (CURRENT.get() != null) {
            throw new IllegalStateException("thread " + self.getName() + " is already in direct mode");
        }
        Worker w = new Worker(null, -1, -1, DirectMode::onDetachedDone);
        w.thread = self;
        Driver d = Driver.open(w, options, 64);
        w.attach(d);
        w.markRunning();
        d.armWakeRead();
        DirectMode mode = new DirectMode(w, d);
        CURRENT.set(mode);
        last = mode;
        DirectAwait.bind(mode);
        return mode;
    }

    static Worker workerOf(Thread thread) {
        DirectMode d = last;
        if (d == null || d.worker.thread != thread) {
            d = CURRENT.get();
        }
        return d == null ? null : d.worker;
    }

    private static void onDetachedDone(Frame<?> frame) {
        Throwable failure = frame.failure();
        frame.recycle(frame.worker);
        if (failure != null) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, failure);
        }
    }

    /** The calling thread's direct-mode worker. */
    public Worker worker() {
        return worker;
    }

    @Override
    public int await(Operation operation) throws OpException {
        checkOwner();
        Op op = Op.of(operation);
        Completion c = new Completion();
        if (op.isReady()) {
            c.onComplete(op);
            worker.table.takeReady(op);
        } else {
            worker.table.submit(op, c);
        }
        while (!c.done) {
            driver.turn(-1);
        }
        if (c.outcome == Outcome.OK) {
            return c.result;
        }
        throw Op.failure(c.outcome, c.result, c.opcode, c.fd, c.target, c.timeoutNanos);
    }

    @Override
    public <T> T await(Task<T> task) {
        checkOwner();
        Frame<T> frame = Frame.frameOf(task);
        if (frame.awaiter != null) {
            throw new IllegalStateException("task " + frame + " is already awaited");
        }
        frame.awaiter = ended;
        if (!frame.isDone()) {
            frame.startAwaited(worker);
        }
        while (!frame.isDone()) {
            driver.turn(-1);
        }
        try {
            return frame.join();
        } catch (Throwable t) {
            throw Frame.<RuntimeException>sneaky(t);
        } finally {
            frame.recycle(worker);
        }
    }

    /** Cancels pending ops, waits for their completions within the grace period, frees the ring. */
    @Override
    public void close() {
        checkOwner();
        CURRENT.remove();
        if (last == this) {
            last = null;
        }
        DirectAwait.bind(null);
        worker.stopGraceNanos = STOP_GRACE.toNanos();
        worker.stopRequested = true;
        driver.drainAndClose();
        worker.terminated.countDown();
    }

    private void checkOwner() {
        if (Thread.currentThread() != worker.thread) {
            throw new IllegalStateException("direct mode belongs to thread " + worker.thread.getName());
        }
        if (worker.isTerminated()) {
            throw new IllegalStateException("direct mode is closed");
        }
    }

    /** What one direct-mode op ended with. */
    private static final class Completion implements OpWaiter {
        boolean done;
        int result;
        int opcode;
        int fd;
        Object target;
        long timeoutNanos;
        Outcome outcome;

        @Override
        public void onComplete(Op op) {
            result = op.result();
            opcode = op.opcode();
            fd = op.fd();
            target = op.target();
            timeoutNanos = op.timeoutNanos();
            outcome = op.outcome();
            done = true;
        }
    }
}
