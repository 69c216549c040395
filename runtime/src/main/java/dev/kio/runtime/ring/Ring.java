package dev.kio.runtime.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * One io_uring instance, driven from Java over its mapped rings.
 *
 * <p>SQEs are written straight into the mapped submission array and CQEs read straight from
 * the completion array, with acquire/release ordering on the shared head and tail words as
 * liburing does. The only native call on the way is {@link #enter}, at most once per worker
 * loop turn. A ring is confined to the thread that created it: with
 * {@code IORING_SETUP_SINGLE_ISSUER} the kernel accepts submissions only from that thread.
 *
 * <p>Set-up flags the kernel refuses are dropped one at a time, newest first, so the same code
 * runs on older kernels with fewer optimisations; {@link #setupFlags()} says what was kept.
 */
public final class Ring implements AutoCloseable {
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;
    private static final int SETUP_CQSIZE = 1 << 3;
    /** Dropped in this order when the kernel answers EINVAL: newest kernels' flags first. */
    private static final int[] FALLBACK_ORDER = {
        SETUP_DEFER_TASKRUN, SETUP_SINGLE_ISSUER, SETUP_COOP_TASKRUN, SETUP_SUBMIT_ALL
    };

    public static final int FEAT_NODROP = 1 << 1;
    public static final int FEAT_CQE_SKIP = 1 << 11;

    /** IOSQE_* flags, byte 1 of an SQE. */
    public static final int SQE_IO_LINK = 1 << 2;
    /** IOSQE_IO_HARDLINK (5.5): like IO_LINK, but the next op runs even if this one fails. */
    public static final int SQE_IO_HARDLINK = 1 << 3;
    public static final int SQE_ASYNC = 1 << 4;
    /** IOSQE_BUFFER_SELECT: the kernel picks the buffer from the group in the SQE's buf_group. */
    public static final int SQE_BUFFER_SELECT = 1 << 5;
    public static final int SQE_CQE_SKIP_SUCCESS = 1 << 6;

    /** IORING_CQE_F_BUFFER: the kernel picked a provided buffer, whose id is in the upper 16 bits. */
    public static final int CQE_F_BUFFER = 1;
    public static final int CQE_BUFFER_SHIFT = 16;
    /** IORING_CQE_F_MORE: the operation will post more completions. */
    public static final int CQE_F_MORE = 1 << 1;

    private static final int ENTER_GETEVENTS = 1;
    private static final int ENTER_REGISTERED_RING = 1 << 4;
    private static final int SQ_CQ_OVERFLOW = 1 << 1;

    private static final int SQE_BYTES = 64;
    private static final int CQE_BYTES = 16;
    private static final int PROBE_OPS = 256;

    private static final VarHandle INT = JAVA_INT.varHandle();
    /**
     * SQE and CQE words. The kernel lays both arrays out aligned; the unaligned layout only spares
     * FFM's alignment test on each access (the same store instruction on x86 and arm64).
     */
    private static final VarHandle LONG = JAVA_LONG_UNALIGNED.varHandle();
    /**
     * The whole address space, through which the mapped rings are read and written at absolute
     * addresses. Being a constant, it costs no per-access segment, scope or size checks; the
     * offsets are ring indices masked to the ring's size, so they stay inside the kernel's mapping
     * by construction (see docs/decisions.md).
     */
    @SuppressWarnings("restricted")
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final Arena arena = Arena.ofConfined();
    private final long ringPtr;
    private final int ringFd;
    private final int enterFd;
    private final int enterFlags;
    private final int setupFlags;
    private final int features;
    private final boolean[] supportedOps = new boolean[PROBE_OPS];

    // Addresses in the kernel's mapping, read and written through MEMORY.
    private final long sqes;
    private final long sqKhead;
    private final long sqKtail;
    private final long sqKflags;
    private final int sqEntries;
    private final int sqMask;
    private int sqTail;
    /**
     * The kernel's SQ head as last read. Without SQPOLL the kernel moves it only inside
     * {@code io_uring_enter}, so a stale value only understates the free space: it is re-read
     * after each enter and when it no longer shows room, not for every SQE.
     */
    private int sqHeadSeen;

    private final long cqes;
    private final long cqKhead;
    private final long cqKtail;
    private final long cqKoverflow;
    private final int cqEntries;
    private final int cqMask;
    private int cqHead;

    private boolean closed;
    /** What was registered with this ring and must be released with it: see {@link #closeWith}. */
    private final List<AutoCloseable> registered = new ArrayList<>();

    private Ring(MemorySegment info, RingOptions options) {
        ringPtr = info.getAtIndex(JAVA_LONG, 0);
        ringFd = (int) info.getAtIndex(JAVA_LONG, 1);
        setupFlags = (int) info.getAtIndex(JAVA_LONG, 2);
        features = (int) info.getAtIndex(JAVA_LONG, 3);
        sqEntries = (int) info.getAtIndex(JAVA_LONG, 4);
        cqEntries = (int) info.getAtIndex(JAVA_LONG, 5);
        sqKhead = info.getAtIndex(JAVA_LONG, 6);
        sqKtail = info.getAtIndex(JAVA_LONG, 7);
        sqKflags = info.getAtIndex(JAVA_LONG, 8);
        MemorySegment sqArray = at(info, 10, (long) sqEntries * 4);
        sqes = info.getAtIndex(JAVA_LONG, 11);
        cqKhead = info.getAtIndex(JAVA_LONG, 12);
        cqKtail = info.getAtIndex(JAVA_LONG, 13);
        cqKoverflow = info.getAtIndex(JAVA_LONG, 14);
        cqes = info.getAtIndex(JAVA_LONG, 15);
        sqMask = sqEntries - 1;
        cqMask = cqEntries - 1;
        sqTail = (int) INT.getAcquire(MEMORY, sqKtail);
        sqHeadSeen = (int) INT.getAcquire(MEMORY, sqKhead);
        cqHead = (int) INT.getAcquire(MEMORY, cqKhead);
        // SQE i always sits in array slot i, so submitting never rewrites the index array.
        for (int i = 0; i < sqEntries; i++) {
            sqArray.setAtIndex(JAVA_INT, i, i);
        }

        int registered = options.registerRingFd() ? Native.ringRegisterFd(ringPtr) : -1;
        enterFd = registered >= 0 ? registered : ringFd;
        enterFlags = registered >= 0 ? ENTER_REGISTERED_RING : 0;

        MemorySegment probe = arena.allocate(PROBE_OPS);
        if (Native.ringProbe(ringPtr, probe) > 0) {
            for (int op = 0; op < PROBE_OPS; op++) {
                supportedOps[op] = probe.get(JAVA_BYTE, op) != 0;
            }
        }
        if (options.iowqCpu() >= 0) {
            // Best effort: io-wq placement is an optimisation, never a reason to fail.
            Native.ringIowqCpu(ringPtr, options.iowqCpu());
        }
    }

    @SuppressWarnings("restricted") // the kernel's mapping, sized from the ring's own parameters
    private static MemorySegment at(MemorySegment info, int index, long size) {
        return MemorySegment.ofAddress(info.getAtIndex(JAVA_LONG, index)).reinterpret(size);
    }

    /**
     * Sets up a ring owned by the calling thread.
     *
     * @throws RingSetupException with the cause and the fix (memlock limit, seccomp, sysctl,
     *                            kernel too old)
     */
    public static Ring open(RingOptions options) throws RingSetupException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment info = tmp.allocate(JAVA_LONG, Native.INFO_COUNT);
            int flags = options.setupFlags();
            int cq = options.effectiveCqEntries();
            int rc = Native.ringCreate(options.entries(), cq, flags, info);
            for (int i = 0; rc == -Errno.EINVAL && i < FALLBACK_ORDER.length; i++) {
                if ((flags & FALLBACK_ORDER[i]) != 0) {
                    flags &= ~FALLBACK_ORDER[i];
                    rc = Native.ringCreate(options.entries(), cq, flags, info);
                }
            }
            if (rc < 0) {
                throw RingSetupException.diagnose(-rc, options);
            }
            Ring ring = new Ring(info, options);
            if ((ring.features & FEAT_NODROP) == 0) {
                ring.close();
                throw new RingSetupException(Errno.ENOSYS,
                        "the kernel lacks IORING_FEAT_NODROP, so completions could be lost under load",
                        "run on Linux " + IoUring.MINIMUM_KERNEL + " or newer");
            }
            return ring;
        }
    }

    /** The flags among {@code flags} that {@link #open} keeps asking for when the kernel refuses them. */
    static int undroppableFlags(int flags) {
        for (int optional : FALLBACK_ORDER) {
            flags &= ~optional;
        }
        return flags;
    }

    /** The {@code IORING_SETUP_*} flags in force, after any fallback. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The kernel's {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    /** Whether the kernel supports the opcode (from {@code IORING_REGISTER_PROBE}). */
    public boolean supports(int opcode) {
        return opcode >= 0 && opcode < PROBE_OPS && supportedOps[opcode];
    }

    public int fd() {
        return ringFd;
    }

    public boolean registeredRingFd() {
        return enterFlags != 0;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** Free SQ slots right now. */
    public int sqSpace() {
        sqHeadSeen = (int) INT.getAcquire(MEMORY, sqKhead);
        return sqEntries - (sqTail - sqHeadSeen);
    }

    /**
     * Whether {@code count} more SQEs fit. Reads the kernel's head only when the space seen last
     * time has run out, so a batch of SQEs costs one read of that shared word, not one each.
     */
    public boolean hasSqSpace(int count) {
        return sqEntries - (sqTail - sqHeadSeen) >= count || sqSpace() >= count;
    }

    /**
     * SQEs written since the ring was set up, as a running count that wraps at 2^32: those the
     * kernel has taken and those the next {@code io_uring_enter} hands it.
     */
    public int sqesWritten() {
        return sqTail;
    }

    /** SQEs written but not yet consumed by the kernel. */
    public int sqPending() {
        return sqTail - (int) INT.getAcquire(MEMORY, sqKhead);
    }

    /**
     * Writes the next SQE; the caller checked {@link #hasSqSpace}. Arguments are the SQE's
     * fields in the kernel's order ({@code struct io_uring_sqe}); unused ones are 0.
     */
    public void prep(int opcode, int sqeFlags, int ioprio, int fd, long off, long addr, int len, int opFlags,
            long userData, int bufIndex, int fileIndex, long addr3) {
        long base = sqes + (long) (sqTail & sqMask) * SQE_BYTES;
        MemorySegment s = MEMORY;
        // Through the var handle itself, not MemorySegment.set: one inlining level less on a path
        // that C2 may inline under a completion (see docs/benchmarks.md, NOP section).
        LONG.set(s, base, (opcode & 0xFFL) | (sqeFlags & 0xFFL) << 8 | (ioprio & 0xFFFFL) << 16
                | (fd & 0xFFFFFFFFL) << 32);
        LONG.set(s, base + 8, off);
        LONG.set(s, base + 16, addr);
        LONG.set(s, base + 24, (len & 0xFFFFFFFFL) | (opFlags & 0xFFFFFFFFL) << 32);
        LONG.set(s, base + 32, userData);
        LONG.set(s, base + 40, (bufIndex & 0xFFFFL) | (fileIndex & 0xFFFFFFFFL) << 32);
        LONG.set(s, base + 48, addr3);
        LONG.set(s, base + 56, 0L);
        sqTail++;
    }

    /**
     * Registers buffers for {@code READ_FIXED}/{@code WRITE_FIXED} ({@code IORING_REGISTER_BUFFERS},
     * 5.1): {@code iovecs} holds {@code count} {@code {base, len}} pairs; buffer {@code i} is then
     * index {@code i} in an SQE's {@code buf_index}. A ring holds one such table at a time.
     *
     * @return 0, or {@code -errno}: ENOMEM (over {@code RLIMIT_MEMLOCK} without CAP_IPC_LOCK),
     *         EBUSY (a table is registered already), EFAULT, EINVAL
     */
    public int registerBuffers(MemorySegment iovecs, int count) {
        checkOpen();
        return Native.registerBuffers(ringPtr, iovecs, count);
    }

    public int unregisterBuffers() {
        checkOpen();
        return Native.unregisterBuffers(ringPtr);
    }

    /**
     * Registers a provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}, 5.19) of
     * {@code entries} slots at {@code address}, page aligned, as buffer group {@code groupId}.
     *
     * @return 0, or {@code -errno}: EINVAL (kernel too old, bad size or alignment), EEXIST (the
     *         group is taken), ENOMEM
     */
    public int registerBufRing(long address, int entries, int groupId) {
        checkOpen();
        return Native.registerBufRing(ringPtr, address, entries, groupId);
    }

    public int unregisterBufRing(int groupId) {
        checkOpen();
        return Native.unregisterBufRing(ringPtr, groupId);
    }

    /** Whether {@link #close()} has run: registrations are gone with the ring then. */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the ring is closed");
        }
    }

    /**
     * Publishes written SQEs and calls {@code io_uring_enter} once: submits them all and, when
     * {@code minComplete > 0}, waits for that many completions. Deferred task work runs either
     * way, so completions become visible to {@link #reap}.
     *
     * @return the number of SQEs the kernel consumed, or {@code -errno}: {@code -EINTR} (a signal
     *         ended the wait), {@code -EBUSY}/{@code -EAGAIN} (reap completions, then retry)
     */
    public int enter(int minComplete) {
        return enter(minComplete, ENTER_GETEVENTS);
    }

    /** Like {@link #enter(int)}, but a wait gives up after {@code nanos} ({@code -ETIME}; 5.11+). */
    public int enter(int minComplete, long nanos) {
        return entered(Native.enterTimeout(enterFd, publish(), minComplete, ENTER_GETEVENTS | enterFlags, nanos));
    }

    /** Submits written SQEs without running task work or waiting, to free SQ space mid-turn. */
    public int flush() {
        return enter(0, 0);
    }

    private int enter(int minComplete, int flags) {
        int toSubmit = publish();
        if (toSubmit == 0 && minComplete == 0 && flags == 0) {
            return 0;
        }
        return entered(Native.enter(enterFd, toSubmit, minComplete, flags | enterFlags));
    }

    /**
     * Re-reads the kernel's SQ head after {@code io_uring_enter}, the only place it moves, so
     * {@link #hasSqSpace} sees the space the kernel freed without calling {@link #sqSpace()}: a
     * call on that path, even a rare one, is a call in every loop that submits, after which C2
     * reloads whatever the loop keeps in fields.
     */
    private int entered(int rc) {
        sqHeadSeen = (int) INT.getAcquire(MEMORY, sqKhead);
        return rc;
    }

    /**
     * Makes written SQEs visible to the kernel, and hands back the CQ entries {@link #reap} has
     * read; returns how many SQEs the kernel has not consumed yet.
     */
    private int publish() {
        INT.setRelease(MEMORY, cqKhead, cqHead);
        INT.setRelease(MEMORY, sqKtail, sqTail);
        return sqTail - (int) INT.getAcquire(MEMORY, sqKhead);
    }

    /** Completions ready to reap. */
    public int cqReady() {
        return (int) INT.getAcquire(MEMORY, cqKtail) - cqHead;
    }

    /** Whether the kernel holds completions back because the CQ was full (NODROP keeps them). */
    public boolean cqOverflowPending() {
        return ((int) INT.getAcquire(MEMORY, sqKflags) & SQ_CQ_OVERFLOW) != 0;
    }

    /** Completions the kernel had to drop: stays 0 with NODROP, kept as a check. */
    public int cqDropped() {
        return (int) INT.getAcquire(MEMORY, cqKoverflow);
    }

    /**
     * Hands every completion visible now to {@code handler}, in order; completions that arrive
     * meanwhile wait for the next call. The entries read go back to the kernel once, after the
     * last handler, not one store per CQE; a handler may still submit or flush freely, because
     * every {@code io_uring_enter} hands back the entries read so far first (the kernel sees the
     * CQ's real free space, and a wait counts only unread completions).
     *
     * @return how many completions were handled
     */
    public int reap(CqeHandler handler) {
        int head = cqHead;
        int tail = cqTail();
        for (int i = head; i != tail; i++) {
            long resFlags = cqeResFlags(i);
            long userData = cqeUserData(i);
            cqRead(i + 1);
            handler.onCqe(userData, (int) resFlags, (int) (resFlags >>> 32));
        }
        cqRelease();
        return tail - head;
    }

    /**
     * The first CQE not read yet, as a running index: the CQEs from here up to {@link #cqTail()}
     * are visible. For a reap loop of the caller's own ({@link #reap} is the plain one).
     */
    public int cqHead() {
        return cqHead;
    }

    /** The kernel's CQ tail (an acquire load): one past the last CQE it has posted, as a running index. */
    public int cqTail() {
        return (int) INT.getAcquire(MEMORY, cqKtail);
    }

    /** The {@code user_data} of the CQE at running index {@code index}, between {@link #cqHead()} and the tail. */
    public long cqeUserData(int index) {
        return (long) LONG.get(MEMORY, cqes + (long) (index & cqMask) * CQE_BYTES);
    }

    /** The CQE's {@code res} in the low 32 bits and its {@code flags} in the high 32. */
    public long cqeResFlags(int index) {
        return (long) LONG.get(MEMORY, cqes + (long) (index & cqMask) * CQE_BYTES + 8);
    }

    /**
     * Marks the CQEs before {@code head} read, before they are handled: the next
     * {@code io_uring_enter}, or {@link #cqRelease()}, hands them back to the kernel.
     */
    public void cqRead(int head) {
        cqHead = head;
    }

    /** Hands the CQEs read so far back to the kernel: once per reap, after the last handler. */
    public void cqRelease() {
        INT.setRelease(MEMORY, cqKhead, cqHead);
    }

    /**
     * Closes {@code resource} when this ring closes, before the ring is torn down: for what is
     * registered with the ring (a provided-buffer group) and must be released with it even when
     * its user never closes it. {@link #forget} undoes it. On the ring's thread.
     */
    public void closeWith(AutoCloseable resource) {
        registered.add(resource);
    }

    /** Stops {@linkplain #closeWith closing} {@code resource} with the ring; it was closed otherwise. */
    public void forget(AutoCloseable resource) {
        registered.remove(resource);
    }

    /**
     * Closes what was {@linkplain #closeWith registered} with the ring, then unmaps the rings and
     * closes the ring fd; idempotent. Only call this once every operation's completion
     * has been reaped, or with memory the kernel may still touch deliberately kept alive: closing
     * makes the kernel cancel what is left, asynchronously.
     */
    @Override
    public void close() {
        if (!closed) {
            for (AutoCloseable resource : registered.toArray(AutoCloseable[]::new)) {
                try {
                    resource.close();
                } catch (Exception e) {
                    // The ring must close whatever one resource does; the failure is only reported.
                    System.getLogger("dev.kio.runtime.ring").log(System.Logger.Level.WARNING,
                            "closing " + resource + " with its ring failed", e);
                }
            }
            registered.clear();
            closed = true;
            Native.ringDestroy(ringPtr);
            arena.close();
        }
    }

    /** Receives completions from {@link #reap}. */
    @FunctionalInterface
    public interface CqeHandler {
        void onCqe(long userData, int res, int flags);
    }
}
