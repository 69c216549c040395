package dev.kio.runtime.op;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

import dev.kio.OpCancelledException;
import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.sys.Errno;

/**
 * One I/O operation in a worker's op table: what to ask the kernel, and where it is in its
 * life ({@link OpState}). Ops are pooled per worker and recycled once their last completion
 * has been reaped; hold on to {@link #token()}, never to the object, to refer to one later.
 */
public final class Op implements dev.kio.Operation {
    final int slot;
    /**
     * Native scratch the kernel may read: the op's own timespec, and its link timeout's (read when
     * the kernel takes the SQEs; the memory lives as long as the table, whichever op holds the slot).
     */
    final MemorySegment scratch;
    // The lifecycle as OpState's ordinals in a byte: a reference store (an enum) pays a G1
    // barrier, and the table changes an op's state four times in its life.
    static final byte FREE = (byte) OpState.FREE.ordinal();
    static final byte READY = (byte) OpState.READY.ordinal();
    static final byte PREPARED = (byte) OpState.PREPARED.ordinal();
    static final byte QUEUED = (byte) OpState.QUEUED.ordinal();
    static final byte SUBMITTED = (byte) OpState.SUBMITTED.ordinal();
    static final byte CANCELLING = (byte) OpState.CANCELLING.ordinal();
    static final byte COMPLETED = (byte) OpState.COMPLETED.ordinal();
    private static final OpState[] STATES = OpState.values();

    int generation;
    byte state = FREE;

    int opcode;
    int sqeFlags;
    int ioprio;
    int fd;
    long off;
    long addr;
    int len;
    int opFlags;
    /** The SQE's {@code buf_index} (a registered buffer) or {@code buf_group} (a provided-buffer group). */
    int bufIndex;
    /** The SQE's {@code splice_fd_in}: the fd a splice reads from (its {@code fd} is the one it writes to). */
    int spliceFdIn;
    /**
     * The memory this op names, kept reachable until the kernel is done with it; a {@link Loan}
     * is also told when it is lent and returned.
     */
    Object keepAlive;
    /** A second segment for ops that name two (a path and a statx buffer, two paths). */
    Object keepAliveToo;
    /** What the op acts on, for its error message; null means "fd N". */
    Object target;
    long timeoutNanos;

    OpWaiter waiter;
    int pendingCqes;
    /**
     * A zero-copy send's notification CQE ({@code IORING_CQE_F_NOTIF}) is still owed: its waiter
     * has had the result, but the kernel may still read the memory, which stays lent until then.
     */
    boolean notificationOwed;
    boolean cancelRequested;
    /** The kernel's result, {@code -errno} for a failure; {@link #outcome()} follows from it. */
    int result;
    int cqeFlags;

    Op nextFree;
    Op nextQueued;
    /** The op this one is linked to ({@link #link}), which the kernel starts only after this one. */
    Op linkNext;
    Op linkPrev;
    /** Set on every op of a submitted chain: its last op, which holds the chain's waiter. */
    Op chainEnd;
    /** On a chain's last op: how many of the chain's ops have not delivered their result yet. */
    int chainPending;

    Op(int slot, MemorySegment scratch) {
        this.slot = slot;
        this.scratch = scratch;
    }

    /**
     * Attaches a timeout: if the op has not completed after {@code nanos}, the kernel cancels it
     * ({@code IORING_OP_LINK_TIMEOUT}, 5.5+) and it ends {@link Outcome#TIMED_OUT}.
     */
    public Op timeout(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive, got " + nanos + " ns");
        }
        if (state != PREPARED) {
            throw new IllegalStateException("a timeout is set before submission; op is " + state());
        }
        if (linkNext != null) {
            throw new IllegalStateException("only the last op of a linked chain can have a timeout: " + this);
        }
        timeoutNanos = nanos;
        return this;
    }

    public Op timeout(Duration timeout) {
        return timeout(timeout.toNanos());
    }

    /**
     * Links {@code next} after this op ({@code IOSQE_IO_LINK}, 5.3+): the kernel starts
     * {@code next} only once this op has completed, and only if it succeeded in full; otherwise
     * {@code next}, and whatever is linked after it, ends with ECANCELED. A read, write or send
     * that moves fewer bytes than asked counts as failed here. Chain several with
     * {@code a.link(b).link(c)}.
     *
     * <p>Returns {@code next}, the chain's handle: submitting or awaiting it submits the whole
     * chain, its SQEs contiguous in the ring, and the chain completes as one unit once every op
     * has completed. Its waiter then receives the op that decides the outcome: the first that did
     * not end {@link Outcome#OK} (so a typed error names the op that failed first, not a
     * cancelled follower), or the last op when all succeeded. Every op of the chain, and the
     * memory it names, stays owned until its own completion; their {@link #result()} and
     * {@link #outcome()} stay readable until that waiter returns (in a frame: the step that
     * resumes after the await). Only the last op may carry a {@link #timeout}.
     */
    public Op link(Op next) {
        return link(next, Ring.SQE_IO_LINK);
    }

    /**
     * {@link #link} with {@code IOSQE_IO_HARDLINK} (5.5+): {@code next} runs once this op has
     * completed, whether it succeeded or not (a send, then a close that must happen anyway).
     */
    public Op hardlink(Op next) {
        return link(next, Ring.SQE_IO_HARDLINK);
    }

    private Op link(Op next, int flag) {
        if (next == this) {
            throw new IllegalArgumentException("an op cannot be linked to itself: " + this);
        }
        if (state != PREPARED || next.state != PREPARED) {
            throw new IllegalStateException("ops are linked before submission: " + this + " -> " + next);
        }
        if (linkNext != null || next.linkPrev != null) {
            throw new IllegalStateException((linkNext != null ? this : next) + " is linked already");
        }
        if (timeoutNanos > 0) {
            throw new IllegalStateException("only the last op of a linked chain can have a timeout: " + this);
        }
        linkNext = next;
        next.linkPrev = this;
        sqeFlags |= flag;
        return next;
    }

    /** The op linked before this one in its chain, or null. Readable while the chain's waiter runs. */
    public Op linkedBefore() {
        return linkPrev;
    }

    /**
     * Names what the op acts on in its error message, instead of {@code "fd N"}: a path, or an
     * object (a file) whose {@code toString()} describes it. Only a reference is stored; the text
     * is built when, and only when, the op fails.
     */
    public Op target(Object target) {
        if (state != PREPARED && state != READY) {
            throw new IllegalStateException("a target is set before submission; op is " + state());
        }
        this.target = target;
        return this;
    }

    /** What the op acts on, as set by {@link #target(Object)}; null when that is just its fd. */
    public Object target() {
        return target;
    }

    /** The runtime's op behind an API {@link dev.kio.Operation}. */
    public static Op of(dev.kio.Operation operation) {
        if (operation instanceof Op op) {
            return op;
        }
        throw new IllegalArgumentException("not a kio operation: " + operation);
    }

    /** A handle for {@link OpTable#cancel(long)}: stays valid, and harmless, after the op is recycled. */
    public long token() {
        return UserData.pack(generation, UserData.PRIMARY, slot);
    }

    public OpState state() {
        return STATES[state];
    }

    /** {@code state() == OpState.READY}, without the enum lookup: awaiting an op tests it every time. */
    public boolean isReady() {
        return state == READY;
    }

    public int opcode() {
        return opcode;
    }

    public int fd() {
        return fd;
    }

    /** The kernel's raw result: a count or value, or {@code -errno}. Valid in {@link OpWaiter#onComplete}. */
    public int result() {
        return result;
    }

    /** The completion's {@code IORING_CQE_F_*} flags. */
    public int cqeFlags() {
        return cqeFlags;
    }

    /** The provided buffer the kernel picked for this completion, or -1 when it picked none. */
    public int bufferId() {
        return (cqeFlags & Ring.CQE_F_BUFFER) != 0 ? cqeFlags >>> Ring.CQE_BUFFER_SHIFT : -1;
    }

    /** Whether the kernel will post more completions for this op (a multishot op still armed). */
    public boolean hasMore() {
        return (cqeFlags & Ring.CQE_F_MORE) != 0;
    }

    /**
     * How the op ended, from its result: worked out when asked rather than stored with every
     * completion, since most completions are only tested for a non-negative result.
     */
    public Outcome outcome() {
        int res = result;
        if (res >= 0) {
            return Outcome.OK;
        }
        if (res == -Errno.ECANCELED || res == -Errno.EINTR) {
            // io-wq workers interrupted by a cancel report EINTR rather than ECANCELED.
            if (cancelRequested) {
                return Outcome.CANCELLED;
            }
            if (timeoutNanos > 0) {
                return Outcome.TIMED_OUT;
            }
            return res == -Errno.ECANCELED ? Outcome.CANCELLED : Outcome.FAILED;
        }
        return Outcome.FAILED;
    }

    /** The attached timeout in nanoseconds, 0 for none. */
    public long timeoutNanos() {
        return timeoutNanos;
    }

    /**
     * This op's typed exception, once it completed other than {@link Outcome#OK}: its errno, its
     * name, and its target or fd. Read it before the op is recycled.
     */
    public OpException failure() {
        return failure(outcome(), result, opcode, fd, target, timeoutNanos);
    }

    /**
     * The typed exception for a completion that did not end {@link Outcome#OK}: it names the
     * errno, the operation and its fd.
     */
    public static OpException failure(Outcome outcome, int result, int opcode, int fd, long timeoutNanos) {
        return failure(outcome, result, opcode, fd, null, timeoutNanos);
    }

    /**
     * {@link #failure(Outcome, int, int, int, long)} naming {@code target} (see
     * {@link #target(Object)}) rather than the fd, when it is not null.
     */
    public static OpException failure(Outcome outcome, int result, int opcode, int fd, Object target,
            long timeoutNanos) {
        int errno = -result;
        String op = Opcode.name(opcode);
        String what = describe(opcode, fd, target);
        return switch (outcome) {
            case CANCELLED -> new OpCancelledException(errno, Errno.name(errno), op, what);
            case TIMED_OUT -> new OpTimedOutException(errno, Errno.name(errno), op, what,
                    Duration.ofNanos(timeoutNanos));
            case FAILED -> new OpException(errno, Errno.name(errno), Errno.describe(errno), op, what);
            case OK -> throw new IllegalArgumentException("result " + result + " is not a failure");
        };
    }

    /** What an op acted on, for messages: its target if it has one, else its fd; timers and NOPs act on nothing. */
    private static String describe(int opcode, int fd, Object target) {
        if (target != null) {
            return target.toString();
        }
        return opcode == Opcode.NOP || opcode == Opcode.TIMEOUT ? "" : "fd " + fd;
    }

    @Override
    public String toString() {
        return Opcode.name(opcode) + "(" + describe(opcode, fd, target) + ")#" + slot + "." + generation + " " + state();
    }
}
