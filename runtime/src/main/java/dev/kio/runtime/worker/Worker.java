package dev.kio.runtime.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;

import dev.kio.Task;
import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.msg.MpscQueue;
import dev.kio.runtime.op.OpTable;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;

/**
 * The handle of one worker: a platform thread pinned to one CPU that owns one io_uring, one
 * op table and one run queue (its {@link Driver}). Any thread may hand work to a worker through
 * this handle; the ring itself is touched only by the worker's own thread.
 *
 * <p>Hand-offs from other threads ({@link #spawn}, {@link #execute}, {@link #syncWait}, a frame
 * switching workers or resuming after a child finished elsewhere) go through an unbounded
 * intrusive MPSC queue, so none is ever dropped and a frame hand-off allocates nothing. A
 * parked worker is woken with {@code IORING_OP_MSG_RING} from another worker's ring, or
 * through its eventfd from a plain thread.
 */
public final class Worker {
    private static final VarHandle PARKED;

    static {
        try {
            PARKED = MethodHandles.lookup().findVarHandle(Worker.class, "parked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int STARTING = 0;
    private static final int RUNNING = 1;
    private static final int TERMINATED = 2;

    final IoPool pool;
    final int index;
    final int cpu;
    final MpscQueue inbox = new MpscQueue();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch terminated = new CountDownLatch(1);
    private final Object terminationLock = new Object();

    /** 1 while the driver is about to wait or waiting in io_uring_enter; a waker swaps it to 0. */
    @SuppressWarnings("unused") // accessed through PARKED
    private volatile int parked;
    private volatile int lifecycle = STARTING;
    volatile boolean stopRequested;
    volatile long stopGraceNanos;

    /** Where detached tasks report how they ended. */
    final Awaiter detached;
    /** Idle frames of each generated flow, indexed by {@link FrameKind#id}; only the worker's thread touches it. */
    private FramePool[] framePools = new FramePool[8];

    // Written by the worker thread before `started` opens; read by others only after it.
    Thread thread;
    Driver driver;
    /** The head of this worker's pending promises that something waits on; its thread's alone. */
    Promise<?> waitedPromises;
    /** The driver's op table and factory, one load away for frames, which run only on this thread. */
    OpTable table;
    Ops ops;
    int ringFd = -1;
    int eventFd = -1;
    int[] affinity = new int[0];
    Throwable startFailure;

    Worker(IoPool pool, int index, int cpu, Awaiter detached) {
        this.pool = pool;
        this.index = index;
        this.cpu = cpu;
        this.detached = detached;
    }

    /** Gives this worker its driver; on the worker's own thread, before it runs anything. */
    void attach(Driver d) {
        driver = d;
        table = d.table;
        ops = d.ops;
        ringFd = d.ring.fd();
        eventFd = d.eventFd();
    }

    /**
     * The worker whose thread is calling: a pool's worker, or the calling thread's own
     * {@link DirectMode} worker; null on any other thread.
     */
    public static Worker current() {
        return Thread.currentThread() instanceof WorkerThread t ? t.worker : DirectMode.workerOf(Thread.currentThread());
    }

    /** The idle frames of {@code kind} on this worker. Only on the worker's thread. */
    FramePool frames(FrameKind<?> kind) {
        int id = kind.id;
        if (id >= framePools.length) {
            framePools = java.util.Arrays.copyOf(framePools, Math.max(id + 1, framePools.length * 2));
        }
        FramePool p = framePools[id];
        if (p == null) {
            p = new FramePool(kind);
            framePools[id] = p;
        }
        return p;
    }

    public int index() {
        return index;
    }

    /** The CPU this worker is pinned to, or -1 when the pool does not pin. */
    public int cpu() {
        return cpu;
    }

    /** The CPUs the worker thread may run on, as read back from the kernel after pinning. */
    public int[] affinity() {
        return affinity.clone();
    }

    public IoPool pool() {
        return pool;
    }

    /** The worker's op factory. Only the worker's own thread may use it. */
    public Ops ops() {
        checkOwner();
        return ops;
    }

    /**
     * The worker's buffer pool, set up on first use with the pool's
     * {@link IoPool.Builder#buffers configuration} ({@link BufferPool.Config#defaults()} in direct
     * mode); a worker that never asks pins no memory. Only on the worker's thread.
     */
    public BufferPool buffers() {
        return driver().buffers();
    }

    /** The set-up flags, features and probe of this worker's ring. Only on the worker's thread. */
    public dev.kio.runtime.ring.Ring ring() {
        return driver().ring;
    }

    /**
     * Cancels the pending op {@code token} names (see {@link dev.kio.runtime.op.OpTable#cancel}).
     * Only on the worker's thread.
     */
    public boolean cancel(long token) {
        return driver().table.cancel(token);
    }

    void cancelOpsOf(OpWaiter waiter) {
        driver().table.cancelAll(waiter);
    }


    private Driver driver() {
        checkOwner();
        return driver;
    }

    /** Fails unless the caller is this worker's thread, the only one that may touch its ring. */
    void checkOwner() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("worker " + index + "'s ring belongs to its own thread "
                    + (thread == null ? "(not started)" : thread.getName()) + ", not " + Thread.currentThread().getName());
        }
    }

    /**
     * Starts {@code task} detached on this worker: nobody awaits it, and an exception it ends
     * with goes to the pool's uncaught-exception handler. From any thread.
     *
     * @throws RejectedExecutionException if the worker is stopping or stopped
     */
    public void spawn(Task<?> task) {
        Frame<?> frame = Frame.frameOf(task);
        if (frame.awaiter != null || frame.isDone()) {
            throw new IllegalStateException("task " + frame + " is already started or awaited");
        }
        checkAccepting();
        frame.awaiter = detached;
        frame.worker = this;
        if (current() == this) {
            driver.ready.add(frame);
        } else {
            post(frame);
        }
    }

    /** Runs {@code action} on this worker, detached. Allocates one small frame per call. */
    public void execute(Runnable action) {
        spawn(new Frame<Void>() {
            @Override
            protected void step() {
                action.run();
                complete(null);
            }
        });
    }

    /**
     * Runs {@code task} on this worker and blocks the calling plain thread until it finishes.
     *
     * @return the task's result
     * @throws Exception the task's own exception, rethrown as is ({@link Error}s likewise)
     * @throws IllegalStateException when called from a worker thread, which must never block
     */
    public <T> T syncWait(Task<T> task) throws Exception {
        Worker caller = current();
        if (caller != null && caller.pool != null) {
            throw new IllegalStateException("syncWait blocks its thread; worker " + caller.index
                    + " must await the task instead");
        }
        Frame<T> frame = Frame.frameOf(task);
        if (frame.awaiter != null || frame.isDone()) {
            throw new IllegalStateException("task " + frame + " is already started or awaited");
        }
        checkAccepting();
        CountDownLatch done = new CountDownLatch(1);
        frame.awaiter = f -> done.countDown();
        frame.worker = this;
        post(frame);
        done.await();
        try {
            return frame.join();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("task failed with a non-standard throwable", t);
        }
    }

    void checkAccepting() {
        if (stopRequested || lifecycle == TERMINATED) {
            throw new RejectedExecutionException("worker " + index + " is "
                    + (lifecycle == TERMINATED ? "stopped" : "stopping"));
        }
    }

    /**
     * Queues a frame to run on this worker's thread, from any thread. After termination the
     * frame is failed instead, so whoever awaits it learns that it will never run.
     */
    void post(Frame<?> frame) {
        inbox.offer(frame);
        if (lifecycle == TERMINATED) {
            rejectQueued();
            return;
        }
        wakeIfParked();
    }

    private void wakeIfParked() {
        if (isParked() && PARKED.compareAndSet(this, 1, 0)) {
            // A MSG_RING wake-up leaves with the sender's next io_uring_enter, which only a worker
            // thread's loop is sure to make: a direct-mode thread may block next (syncWait) instead.
            Worker from = Thread.currentThread() instanceof WorkerThread t ? t.worker : null;
            if (from != null && from != this && from.driver.sendWake(ringFd)) {
                return;
            }
            Driver.wakeByEventfd(eventFd, index);
        }
    }

    /**
     * Called by the driver before it may wait; false if there is work after all.
     *
     * @param watchStop whether a stop request counts as work (not while already stopping)
     */
    boolean park(boolean watchStop) {
        PARKED.setVolatile(this, 1);
        if (!inbox.isEmpty() || watchStop && stopRequested) {
            PARKED.setVolatile(this, 0);
            return false;
        }
        return true;
    }

    /** Whether the driver is waiting in the kernel, or about to, with nothing to do. */
    boolean isParked() {
        return (int) PARKED.getVolatile(this) == 1;
    }

    void unpark() {
        PARKED.setRelease(this, 0);
    }

    void requestStop(long graceNanos) {
        stopGraceNanos = graceNanos;
        stopRequested = true;
        wakeIfParked();
    }

    void markRunning() {
        lifecycle = RUNNING;
    }

    /** Final state: frames still queued, or posted from now on, fail instead of vanishing. */
    void markTerminated() {
        lifecycle = TERMINATED;
        rejectQueued();
    }

    private void rejectQueued() {
        synchronized (terminationLock) {
            for (MpscQueue.Node n = inbox.poll(); n != null || !inbox.isEmpty(); n = inbox.poll()) {
                if (n != null) {
                    ((Frame<?>) n).reject(new RejectedExecutionException("worker " + index + " stopped before the task ran"));
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    boolean isTerminated() {
        return lifecycle == TERMINATED;
    }

    @Override
    public String toString() {
        if (pool == null) {
            return "direct-mode worker of " + thread.getName();
        }
        return "worker " + index + (cpu >= 0 ? " (cpu " + cpu + ")" : "");
    }
}
