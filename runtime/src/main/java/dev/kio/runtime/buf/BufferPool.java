package dev.kio.runtime.buf;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A worker's pool of fixed-size off-heap buffers ({@code Worker.current().buffers()}), confined to
 * its thread. The first {@link Config#registeredBuffers()} are carved out of one page-aligned
 * slab registered with the ring, so reads and writes on them are {@code READ_FIXED} /
 * {@code WRITE_FIXED}: the kernel pinned their pages once, not per operation.
 *
 * <p><b>Exhaustion.</b> When every registered buffer is held, {@link #acquire()} grows the pool
 * with <em>unregistered</em> buffers, a slab of {@code registeredBuffers} at a time, up to
 * {@link Config#maxBuffers()}; they are pooled like the others (never freed before the pool) and
 * used with plain READ / WRITE. A burst then costs a little speed, not a failed connection;
 * beyond {@code maxBuffers}, which bounds what a leak of unreleased buffers can take, acquire
 * throws {@link IllegalStateException}. Registered buffers are handed out first.
 *
 * <p><b>Registration refused.</b> If the kernel refuses the registration (ENOMEM when the slab
 * exceeds {@code RLIMIT_MEMLOCK} without CAP_IPC_LOCK; EBUSY when the ring has a buffer table
 * already), the pool works with unregistered buffers only, logs why once, and
 * {@link #registrationError()} names the errno.
 *
 * <p><b>Closing.</b> A buffer lent to the kernel is never freed under it: {@link #close()}
 * frees the memory once no operation naming a buffer is in the kernel.
 */
public final class BufferPool extends BufferOwner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.kio.runtime.buf");
    private static final long PAGE = 4096;
    /** The kernel's IORING_MAX_REG_BUFFERS. */
    private static final int MAX_REGISTERED = 1 << 14;
    private static final long MAX_BUFFER_BYTES = 1L << 30;

    /**
     * How a pool is sized.
     *
     * @param bufferSize        bytes per buffer
     * @param registeredBuffers buffers in the registered slab (at most 16384), and the step the
     *                          pool grows by when they are all held
     * @param maxBuffers        the most buffers the pool will hold, registered or not
     */
    public record Config(int bufferSize, int registeredBuffers, int maxBuffers) {
        public Config {
            if (bufferSize < 1 || bufferSize > MAX_BUFFER_BYTES) {
                throw new IllegalArgumentException("buffer size must be 1.." + MAX_BUFFER_BYTES + " bytes, got " + bufferSize);
            }
            if (registeredBuffers < 1 || registeredBuffers > MAX_REGISTERED) {
                throw new IllegalArgumentException("registered buffers must be 1.." + MAX_REGISTERED + ", got "
                        + registeredBuffers);
            }
            if (maxBuffers < registeredBuffers) {
                throw new IllegalArgumentException("max buffers (" + maxBuffers + ") must be at least the registered "
                        + registeredBuffers);
            }
        }

        /**
         * 64 registered buffers of 16 KiB (1 MiB pinned per worker, inside a default 8 MiB
         * memlock limit for a few workers), growing to 1024 (16 MiB).
         */
        public static Config defaults() {
            return new Config(16 * 1024, 64, 1024);
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final Config config;
    private final int registrationError;
    private int count;
    private Buffer freeRegistered;
    private Buffer freeOverflow;
    private int held;

    private BufferPool(Ring ring, Config config) {
        super(ring);
        this.config = config;
        MemorySegment slab = carve(config.registeredBuffers());
        this.registrationError = register(slab);
        for (int i = 0; i < config.registeredBuffers(); i++) {
            add(slab, i, registrationError == 0 ? i : -1);
        }
        if (registrationError != 0) {
            LOG.log(Level.WARNING, "buffer pool: the kernel refused to register {0} buffers of {1} bytes ({2}: {3});"
                    + " they are used unregistered, with READ/WRITE instead of READ_FIXED/WRITE_FIXED{4}",
                    config.registeredBuffers(), config.bufferSize(), Errno.name(registrationError),
                    Errno.describe(registrationError), registrationError == Errno.ENOMEM
                            ? ". Raise the memlock limit (ulimit -l, currently " + memlockKiB() + ") or grant CAP_IPC_LOCK"
                            : "");
        }
    }

    /** Sets up a pool on the calling thread, which owns {@code ring}. */
    public static BufferPool open(Ring ring, Config config) {
        return new BufferPool(ring, config);
    }

    private MemorySegment carve(int n) {
        return arena.allocate((long) n * config.bufferSize(), PAGE);
    }

    /** Registers the slab's buffers, one iovec each; returns 0 or the positive errno. */
    private int register(MemorySegment slab) {
        try (Arena tmp = Arena.ofConfined()) {
            int n = config.registeredBuffers();
            MemorySegment iovecs = tmp.allocate(JAVA_LONG, 2L * n);
            for (int i = 0; i < n; i++) {
                iovecs.setAtIndex(JAVA_LONG, 2L * i, slab.address() + (long) i * config.bufferSize());
                iovecs.setAtIndex(JAVA_LONG, 2L * i + 1, config.bufferSize());
            }
            return -ring.registerBuffers(iovecs, n);
        }
    }

    private static String memlockKiB() {
        long soft = Native.memlockLimit()[0];
        return soft < 0 ? "unlimited" : soft / 1024 + " KiB";
    }

    private void add(MemorySegment slab, int i, int index) {
        push(new Buffer(this, slab.asSlice((long) i * config.bufferSize(), config.bufferSize()), count++, index));
    }

    private void push(Buffer b) {
        if (b.index() >= 0) {
            b.nextFree = freeRegistered;
            freeRegistered = b;
        } else {
            b.nextFree = freeOverflow;
            freeOverflow = b;
        }
    }

    /**
     * A buffer to hold until {@link Buffer#release()}, its length 0: a registered one while any
     * is free, else an unregistered one (see the class doc on exhaustion).
     *
     * @throws IllegalStateException when {@link Config#maxBuffers()} are all held, or the pool is closed
     */
    public Buffer acquire() {
        if (isClosed()) {
            throw new IllegalStateException("the buffer pool is closed");
        }
        Buffer b = freeRegistered;
        if (b != null) {
            freeRegistered = b.nextFree;
        } else {
            if (freeOverflow == null) {
                grow();
            }
            b = freeOverflow;
            freeOverflow = b.nextFree;
        }
        b.nextFree = null;
        b.hold(0);
        held++;
        return b;
    }

    /**
     * {@link #acquire()} for O_DIRECT: a buffer whose address and capacity are multiples of
     * {@code alignment} (a file's {@code directMemoryAlignment()}, or its offset alignment when the
     * whole buffer is transferred). Every buffer starts on a page boundary when the buffer size is a
     * multiple of 4096, as the default 16 KiB is, so any alignment up to 4096 is met.
     *
     * @throws IllegalArgumentException when {@code alignment} is not a power of two, exceeds 4096,
     *                                  or does not divide this pool's buffer size
     */
    public Buffer acquireAligned(int alignment) {
        if (Integer.bitCount(alignment) != 1 || alignment > PAGE || config.bufferSize() % alignment != 0) {
            throw new IllegalArgumentException("cannot hand out buffers aligned to " + alignment + " bytes: buffers of "
                    + config.bufferSize() + " bytes start on page boundaries, so they meet power-of-two alignments up to "
                    + PAGE + " that divide their size; configure a buffer size that is a multiple of " + alignment);
        }
        return acquire();
    }

    private void grow() {
        int n = Math.min(config.registeredBuffers(), config.maxBuffers() - count);
        if (n == 0) {
            throw new IllegalStateException("buffer pool exhausted: all " + count + " buffers of " + config.bufferSize()
                    + " bytes are held; release buffers when done with them, or raise BufferPool.Config.maxBuffers");
        }
        MemorySegment slab = carve(n);
        for (int i = 0; i < n; i++) {
            add(slab, i, -1);
        }
    }

    @Override
    void reclaim(Buffer buffer) {
        held--;
        if (!isClosed()) {
            push(buffer);
        }
    }

    @Override
    void free() {
        if (registrationError == 0 && !ring.isClosed()) {
            ring.unregisterBuffers();
        }
        arena.close();
    }

    public Config config() {
        return config;
    }

    /** Whether the first {@link Config#registeredBuffers()} buffers are registered with the ring. */
    public boolean registered() {
        return registrationError == 0;
    }

    /** Why registration was refused, e.g. {@code "ENOMEM"}; null when it succeeded. */
    public String registrationError() {
        return registrationError == 0 ? null : Errno.name(registrationError);
    }

    /** Buffers carved so far, registered and overflow. */
    public int size() {
        return count;
    }

    /** Buffers held (acquired and not yet back): released-while-lent ones count until their completion. */
    public int held() {
        return held;
    }

    /** Buffers ready to hand out without growing. */
    public int available() {
        return count - held;
    }

    /** See {@link BufferOwner#closeOwner()}: the memory is freed once no buffer is lent. */
    @Override
    public void close() {
        closeOwner();
    }

    @Override
    public String toString() {
        return "buffer pool (" + count + " x " + config.bufferSize() + " bytes, " + held + " held, " + lentBuffers()
                + " lent" + (registered() ? ", registered" : "") + ")";
    }
}
