package dev.kio.runtime.op;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

/**
 * A ring, an op table and its factory, driven by hand on the calling thread, as a worker would:
 * {@link #pumpUntil} drains the backlog, enters the ring (waiting at most a few milliseconds at a
 * time, so a test never blocks in the kernel for good) and reaps, until a condition holds.
 *
 * <p>Must be created, used and closed on one thread: the ring and the arena are confined to it.
 */
public final class RingHarness implements AutoCloseable {
    /** {@code O_CLOEXEC}, for pipes the tests create. */
    public static final int O_CLOEXEC = 0x80000;
    private static final long ENTER_WAIT_NANOS = Duration.ofMillis(20).toNanos();

    public final Arena arena = Arena.ofConfined();
    public final Ring ring;
    public final OpTable table;
    public final Ops ops;
    /** CQEs with a reserved user_data (generation 0), which belong to no op. */
    public int reservedCqes;
    /** Every CQE reaped, in order, if {@link #traceCqes} is set. */
    public final List<long[]> trace = new ArrayList<>();
    public boolean traceCqes;
    private final List<Integer> fds = new ArrayList<>();

    private RingHarness(RingOptions options, int tableCapacity) throws RingSetupException {
        Ring r = Ring.open(options);
        this.ring = r;
        this.table = new OpTable(r, arena, tableCapacity);
        this.ops = new Ops(table);
    }

    public static RingHarness open() throws RingSetupException {
        return open(RingOptions.defaults(), 64);
    }

    public static RingHarness open(RingOptions options, int tableCapacity) throws RingSetupException {
        return new RingHarness(options, tableCapacity);
    }

    /** Hands every visible CQE to the table (reserved ones are counted, not dispatched). */
    public int reap() {
        return ring.reap(this::dispatch);
    }

    /** The handler {@link #reap} uses; tests with their own handler call it per CQE. */
    public void dispatch(long userData, int res, int flags) {
        if (traceCqes) {
            trace.add(new long[] {userData, res, flags, table.active()});
        }
        if (UserData.isReserved(userData)) {
            reservedCqes++;
        } else {
            table.complete(userData, res, flags);
        }
        if (traceCqes) {
            trace.get(trace.size() - 1)[3] = table.active();
        }
    }

    /**
     * Runs the loop a worker runs (drain the backlog, reap, enter) until {@code done} holds,
     * failing the test if it does not within {@code limit}.
     */
    public void pumpUntil(BooleanSupplier done, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            table.drainBacklog();
            reap();
            if (done.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("not done after " + limit.toMillis() + " ms: active " + table.active() + ", owed " + table.owed()
                        + ", backlog " + table.hasBacklog() + ", sq pending " + ring.sqPending() + ", cq ready "
                        + ring.cqReady());
            }
            int rc = ring.enter(1, ENTER_WAIT_NANOS);
            if (rc < 0 && rc != -Errno.ETIME && rc != -Errno.EINTR && rc != -Errno.EBUSY && rc != -Errno.EAGAIN) {
                fail("io_uring_enter failed: " + Errno.name(-rc));
            }
        }
    }

    /** A pipe {read end, write end}, closed with the harness unless closed before. */
    public int[] pipe() {
        MemorySegment two = arena.allocate(JAVA_INT, 2);
        int rc = Native.pipe(two, O_CLOEXEC);
        assertEquals(0, rc, () -> "pipe2 failed: " + Errno.name(-rc));
        int[] p = {two.getAtIndex(JAVA_INT, 0), two.getAtIndex(JAVA_INT, 1)};
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    /** Closes a descriptor from {@link #pipe} now. */
    public void closeFd(int fd) {
        if (fds.remove(Integer.valueOf(fd))) {
            assertEquals(0, Native.close(fd));
        }
    }

    /** A native segment holding {@code bytes}. */
    public MemorySegment bytes(byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }

    /**
     * Cancels whatever a failed test left in flight and waits for the kernel to give it back, so
     * that no memory in the arena is freed under the kernel; then closes the ring, the arena and
     * the pipes.
     */
    @Override
    public void close() {
        try {
            if (table.owed() > 0 || table.hasBacklog()) {
                table.cancelAll();
                try {
                    pumpUntil(() -> table.owed() == 0 && !table.hasBacklog(), Duration.ofSeconds(2));
                } catch (AssertionError e) {
                    // Leave the arena to the GC rather than free memory the kernel may still use.
                    ring.close();
                    throw e;
                }
            }
            ring.close();
            arena.close();
        } finally {
            for (int fd : fds) {
                Native.close(fd);
            }
            fds.clear();
        }
    }
}
