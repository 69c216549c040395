package dev.kio.runtime.worker;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.msg.MpscQueue;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpTable;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.op.UserData;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

/**
 * The part of a worker that only its own thread touches: the ring, the op table, the run
 * queue, and the duty cycle that drives them.
 *
 * <p>One loop turn: run frames handed over by other threads, run locally ready frames, submit
 * backlogged ops, then one {@code io_uring_enter} that submits everything written this turn
 * and, if nothing else is ready, waits for at least one completion; then dispatch every
 * completion that is visible.
 */
final class Driver implements OpWaiter {
    private static final System.Logger LOG = System.getLogger("dev.kio.runtime.worker");
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;
    /** Tables whose ops outlived a stop's grace period: kept reachable so their memory is never freed. */
    private static final List<OpTable> ABANDONED = new ArrayList<>();

    final Worker worker;
    final Ring ring;
    final OpTable table;
    final Ops ops;
    final ArrayDeque<Frame<?>> ready = new ArrayDeque<>(256);
    private final Arena arena;
    private final int eventFd;
    private final MemorySegment wakeBuffer;
    private final boolean msgRing;
    private BufferPool buffers;
    private boolean stopping;
    private long turns;
    /** Set when what the thread driving turns waits for happened before the wait: the next turn must not block. */
    private boolean goalReached;
    /** Wake-ups by the eventfd; those by MSG_RING are the table's reserved CQEs (their only job is to end the wait). */
    private long wakeups;

    private Driver(Worker worker, Ring ring, Arena arena, int eventFd, int initialOps) {
        this.worker = worker;
        this.ring = ring;
        this.arena = arena;
        this.eventFd = eventFd;
        this.table = new OpTable(ring, arena, initialOps);
        this.ops = new Ops(table);
        this.wakeBuffer = arena.allocate(8, 8);
        this.msgRing = ring.supports(Opcode.MSG_RING);
    }

    /** Sets up the ring and the eventfd on the calling (worker) thread, which then owns them. */
    static Driver open(Worker worker, RingOptions options, int initialOps) throws RingSetupException {
        int efd = Native.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (efd < 0) {
            throw new IllegalStateException("worker " + worker.index + ": eventfd failed: " + Errno.name(-efd));
        }
        Ring ring;
        try {
            ring = Ring.open(options);
        } catch (RingSetupException | RuntimeException e) {
            Native.close(efd);
            throw e;
        }
        return new Driver(worker, ring, Arena.ofConfined(), efd, initialOps);
    }

    BufferPool buffers() {
        if (buffers == null) {
            buffers = BufferPool.open(ring, worker.pool != null ? worker.pool.buffers : BufferPool.Config.defaults());
        }
        return buffers;
    }

    int eventFd() {
        return eventFd;
    }

    /** Starts reading the eventfd that plain threads write to wake this worker. */
    void armWakeRead() {
        Op read = ops.read(eventFd, wakeBuffer, 0, 8, Ops.CURRENT_POSITION);
        table.submit(read, this);
    }

    /** Runs turns until a stop is requested, then drains within the grace period and frees. */
    void run() {
        armWakeRead();
        while (!worker.stopRequested) {
            turn(-1);
        }
        drainAndClose();
    }

    /** Cancels what is pending, waits for the kernel within the stop grace period, then frees. */
    void drainAndClose() {
        stopping = true;
        long deadline = System.nanoTime() + worker.stopGraceNanos;
        for (;;) {
            // Finishing frames may submit more, or wait on new promises; every turn ends both.
            table.cancelAll();
            Promise.failPending(worker);
            if (table.owed() == 0 && ready.isEmpty() && worker.inbox.isEmpty()) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            turn(left);
        }
        close();
    }

    /**
     * One duty cycle.
     *
     * @param waitNanos bound on the wait, or -1 to wait for as long as it takes
     * @return work done: frames run and completions dispatched
     */
    int turn(long waitNanos) {
        turns++;
        int work = drainInbox();
        work += runReady();
        table.drainBacklog();
        int wait = ready.isEmpty() && !goalReached && worker.park(!stopping) ? 1 : 0;
        goalReached = false;
        int rc = waitNanos < 0 || wait == 0 ? ring.enter(wait) : ring.enter(wait, waitNanos);
        if (wait == 1) {
            worker.unpark();
        }
        if (rc < 0 && rc != -Errno.EINTR && rc != -Errno.EBUSY && rc != -Errno.EAGAIN && rc != -Errno.ETIME) {
            throw new IllegalStateException("worker " + worker.index + ": io_uring_enter failed: " + Errno.name(-rc)
                    + " (" + Errno.describe(-rc) + ")");
        }
        return work + table.reap();
    }

    /**
     * Tells the turn running now not to wait in the kernel: the direct-mode thread driving turns
     * until a task ends has seen it end while running frames, before the wait, and nothing may
     * complete afterwards to end that wait.
     */
    void goalReached() {
        goalReached = true;
    }

    private int drainInbox() {
        int n = 0;
        for (MpscQueue.Node node = worker.inbox.poll(); node != null; node = worker.inbox.poll()) {
            ((Frame<?>) node).resume();
            n++;
        }
        return n;
    }

    private int runReady() {
        int n = ready.size();
        for (int i = 0; i < n; i++) {
            ready.poll().resume();
        }
        return n;
    }

    /** The eventfd read completed: a plain thread woke this worker. */
    @Override
    public void onComplete(Op op) {
        if (stopping) {
            return;
        }
        if (op.outcome() == Outcome.FAILED) {
            LOG.log(Level.WARNING, "worker {0}: wake-up read failed: {1}", worker.index, Errno.name(-op.result()));
        }
        wakeups++;
        armWakeRead();
    }

    /** Wakes the worker whose ring is {@code targetRingFd} from this ring; false if MSG_RING is missing. */
    boolean sendWake(int targetRingFd) {
        if (!msgRing || stopping) {
            return false;
        }
        table.submit(ops.msgRing(targetRingFd, UserData.WAKE, 0), OpWaiter.IGNORE);
        return true;
    }

    static void wakeByEventfd(int eventFd, int workerIndex) {
        int rc = Native.eventfdWrite(eventFd, 1);
        if (rc < 0) {
            throw new IllegalStateException("cannot wake worker " + workerIndex + ": eventfd write failed: " + Errno.name(-rc));
        }
    }

    private void close() {
        RejectedExecutionException stopped = null;
        for (Frame<?> f = ready.poll(); f != null; f = ready.poll()) {
            if (stopped == null) {
                stopped = new RejectedExecutionException("worker " + worker.index + " stopped before the task finished");
            }
            f.reject(stopped);
        }
        table.close(worker + " is stopped");
        worker.markTerminated();
        int owed = table.owed();
        if (buffers != null) {
            // Freed now only if no buffer is lent; otherwise the kernel may still write it: kept.
            buffers.close();
        }
        Native.close(eventFd);
        ring.close();
        if (owed == 0) {
            arena.close();
        } else {
            // The kernel may still write into these ops' memory: never free it.
            synchronized (ABANDONED) {
                ABANDONED.add(table);
            }
            LOG.log(Level.WARNING, "worker {0} stopped with {1} operation(s) the kernel had not completed within the"
                    + " grace period; their memory is kept, not freed", worker.index, owed);
        }
        LOG.log(Level.DEBUG, "worker {0} stopped after {1} turns, {2} wake-ups", worker.index, turns,
                wakeups + table.reservedCompletions());
    }
}
