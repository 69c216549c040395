package dev.kio.runtime.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;

import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.sys.Errno;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A worker's table of operations: it hands out pooled {@link Op}s, writes their SQEs into the
 * ring, and turns each CQE back into a completion for the op's waiter.
 *
 * <p>Confined to the worker thread. An op keeps its slot, and the memory it names, until its
 * last CQE arrives (its own and, for a zero-copy send, its notification), whatever its waiter
 * does. A link timeout's CQE is not waited for: the kernel read its timespec when it took the
 * SQEs, and with {@code DEFER_TASKRUN} the CQE of a timeout disarmed by its op's completion is
 * posted by task work, which each {@code io_uring_enter} runs only about 40 items of; ops that
 * complete at submission outrun that, and held slots would grow without bound. Those CQEs are
 * recognised by their kind and counted ({@link #linkTimeoutsOwed()}).
 * When the submission queue is full the table flushes it, and if the kernel still has no room
 * the op waits in a backlog that {@link #drainBacklog()} submits later: users never see EAGAIN.
 * A linked chain ({@link Op#link}) is placed all at once or not at all, so its SQEs are always
 * contiguous, and it completes once, for its waiter, when its last op has completed.
 */
public final class OpTable {
    private static final int SCRATCH_BYTES = 32;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** IORING_CQE_F_NOTIF: a zero-copy send's notification that the kernel is done with the memory. */
    static final int CQE_F_NOTIF = 1 << 3;

    private final Ring ring;
    /**
     * The kernel's probe for opcodes 0-63, one bit each: every acquire checks it, so it is kept
     * one field away instead of behind the ring.
     */
    private final long supportedOps;
    private final Arena arena;
    private Op[] ops = new Op[0];
    private Op free;
    /**
     * The last ready op taken back, kept out of the free list for the next {@link #ready}: a
     * loop awaiting ready ops alternates between two ops (the one its frame still holds, the
     * next), so one spare serves it without the free list's pushes and pops. Never owed to the
     * kernel and never acquired for a submission, so its fields other than the result stay those
     * of a ready op, and its generation need not change (a ready op cannot be cancelled).
     */
    private Op spareReady;
    private Op backlogHead;
    private Op backlogTail;
    private int owed;
    private long linkTimeoutsOwed;
    /** Why the table refuses submissions, once its owner has closed it; null while it is open. */
    private String closedBecause;

    private long stale;
    private long reserved;
    private boolean reaping;

    /**
     * @param ring     the ring to submit to, owned by the calling thread
     * @param arena    where op scratch memory lives; it must outlive every op the kernel holds
     * @param capacity slots to start with; the table doubles when they are all in use
     */
    public OpTable(Ring ring, Arena arena, int capacity) {
        this.ring = ring;
        long supported = 0;
        for (int opcode = 0; opcode < Long.SIZE; opcode++) {
            supported |= ring.supports(opcode) ? 1L << opcode : 0;
        }
        this.supportedOps = supported;
        this.arena = arena;
        grow(Math.max(16, capacity));
    }

    private void grow(int newCapacity) {
        int old = ops.length;
        if (newCapacity > UserData.MAX_SLOTS) {
            throw new IllegalStateException("more than " + UserData.MAX_SLOTS + " operations in flight on one worker");
        }
        MemorySegment slab = arena.allocate((long) (newCapacity - old) * SCRATCH_BYTES, 16);
        ops = Arrays.copyOf(ops, newCapacity);
        for (int i = newCapacity - 1; i >= old; i--) {
            Op op = new Op(i, slab.asSlice((long) (i - old) * SCRATCH_BYTES, SCRATCH_BYTES));
            op.generation = 1;
            op.nextFree = free;
            free = op;
            ops[i] = op;
        }
    }

    /**
     * A free op in state {@link OpState#PREPARED} for {@code opcode}, its other fields cleared.
     *
     * @throws UnsupportedOperationException when the kernel's probe lacks the opcode
     */
    Op acquire(int opcode) {
        if (!supports(opcode)) {
            throw new UnsupportedOperationException(Opcode.name(opcode) + " needs Linux " + Opcode.minimumKernel(opcode)
                    + " or newer: this kernel's io_uring does not support opcode " + opcode);
        }
        if (free == null) {
            grow(ops.length * 2);
        }
        Op op = free;
        free = op.nextFree;
        // result, cqeFlags and outcome are not cleared: deliver sets them before a waiter reads them.
        // Nor is notificationOwed, false whenever an op is recycled (its last CQE is in),
        // nor chainPending, which submit sets before a chain's last op counts its ops down.
        op.state = Op.PREPARED;
        op.opcode = opcode;
        op.sqeFlags = 0;
        op.ioprio = 0;
        op.bufIndex = 0;
        op.spliceFdIn = 0;
        op.fd = -1;
        op.off = 0;
        op.addr = 0;
        op.len = 0;
        op.opFlags = 0;
        op.timeoutNanos = 0;
        op.cancelRequested = false;
        return op;
    }

    /**
     * An op in state {@link OpState#READY}: already complete with {@code result} (a value, or
     * {@code -errno} for a failure), never submitted. Whoever awaits it reads the result and
     * hands it back through {@link #takeReady(Op)}.
     */
    Op ready(int result) {
        Op op = spareReady;
        if (op != null) {
            spareReady = null;
        } else {
            if (free == null) {
                grow(ops.length * 2);
            }
            op = free;
            free = op.nextFree;
            op.fd = -1;
            op.timeoutNanos = 0;
            op.cqeFlags = 0;
            op.cancelRequested = false;
        }
        op.state = Op.READY;
        op.opcode = Opcode.NOP;
        storeResult(op, result);
        return op;
    }

    /** Recycles a {@link OpState#READY} op once its result has been read; it never owed the kernel anything. */
    public void takeReady(Op op) {
        if (op.state != Op.READY) {
            throw new IllegalStateException("not a ready op: " + op);
        }
        if (spareReady != null) {
            recycle(op);
            return;
        }
        // A ready op names no memory and has no waiter: only its target is dropped.
        op.state = Op.FREE;
        op.target = null;
        spareReady = op;
    }

    /** Whether this worker's kernel has {@code opcode}, from the ring's probe. */
    boolean supports(int opcode) {
        return opcode < Long.SIZE ? (supportedOps >>> opcode & 1) != 0 : ring.supports(opcode);
    }

    /** Recycles an op whose last CQE has arrived. */
    private void release(Op op) {
        owed--;
        if (op.keepAlive instanceof Loan loan) {
            loan.returned();
        }
        recycle(op);
    }

    /** Frees the slot. Its chain links are null already: {@link #finishChain} unlinks a chain before releasing it. */
    private void recycle(Op op) {
        op.state = Op.FREE;
        op.keepAlive = null;
        op.keepAliveToo = null;
        op.target = null;
        op.waiter = null;
        int next = op.generation + 1;
        op.generation = next == 0 ? 1 : next;
        op.nextFree = free;
        free = op;
    }

    /**
     * Hands a prepared op to the kernel; {@code waiter} gets its completion on this thread.
     * Never fails for lack of SQ space: the op then waits in the backlog. The last op of a
     * linked chain submits the whole chain, and its waiter gets one completion for it (see
     * {@link Op#link}).
     *
     * @throws IllegalArgumentException when a chain needs more SQEs than the ring has
     * @throws RejectedExecutionException once the table is {@linkplain #close closed}
     */
    public void submit(Op op, OpWaiter waiter) {
        // One test for the common case: a prepared lone op on an open table with no backlog.
        if (op.state == Op.PREPARED && op.linkPrev == null && op.linkNext == null && backlogHead == null
                && closedBecause == null) {
            int sqes = op.timeoutNanos > 0 ? 2 : 1;
            if (sqes == 1 || sqes <= ring.sqEntries()) {
                lend(op, waiter);
                // prep, not tryPrep: the fewer inlining levels above the SQE stores, the likelier
                // C2 inlines all of them (see docs/benchmarks.md, NOP section).
                if (roomFor(sqes)) {
                    prep(op);
                } else {
                    queue(op, op);
                }
                return;
            }
        }
        submitChecked(op, waiter);
    }

    /** {@link #submit} for a chain, a backlog, or an op it refuses: each check in turn, with its message. */
    private void submitChecked(Op op, OpWaiter waiter) {
        if (closedBecause != null) {
            throw new RejectedExecutionException(closedBecause + "; " + op + " cannot be submitted");
        }
        if (op.state != Op.PREPARED) {
            throw new IllegalStateException("only a prepared op can be submitted: " + op
                    + (op.state == Op.READY ? " (a ready op is awaited, never submitted)" : ""));
        }
        if (op.linkNext != null) {
            throw new IllegalStateException("a linked chain is submitted through its last op: " + op + " is linked to "
                    + op.linkNext);
        }
        Op head = op;
        int length = 1;
        if (op.linkPrev != null) {
            head = chainHead(op);
            length = 0;
            for (Op o = head; o != null; o = o.linkNext) {
                if (o.state != Op.PREPARED) {
                    throw new IllegalStateException("only prepared ops can be submitted: " + o + " in the chain of " + op);
                }
                o.chainEnd = op;
                length++;
            }
        }
        int sqes = op.timeoutNanos > 0 ? length + 1 : length;
        if (sqes > ring.sqEntries()) {
            throw new IllegalArgumentException("a chain of " + length + " ops needs " + sqes
                    + " SQEs, more than the ring's " + ring.sqEntries());
        }
        op.chainPending = length;
        for (Op o = head; o != null; o = o.linkNext) {
            lend(o, waiter);
        }
        if (backlogHead != null || !tryPrep(head, sqes)) {
            queue(head, op);
        }
    }

    /** The kernel owes {@code op}'s CQEs from now on, and {@code waiter} hears of them. */
    private void lend(Op op, OpWaiter waiter) {
        op.waiter = waiter;
        op.pendingCqes = 1;
        owed++;
        if (op.keepAlive instanceof Loan loan) {
            loan.lent();
        }
    }

    /** Puts the chain {@code head}..{@code last} (one op: both the same) at the end of the backlog. */
    private void queue(Op head, Op last) {
        for (Op o = head; o != null; o = o.linkNext) {
            o.state = Op.QUEUED;
        }
        if (backlogTail == null) {
            backlogHead = last;
        } else {
            backlogTail.nextQueued = last;
        }
        backlogTail = last;
    }

    private static Op chainHead(Op op) {
        Op head = op;
        while (head.linkPrev != null) {
            head = head.linkPrev;
        }
        return head;
    }

    /** SQEs the chain ending with {@code last} takes: one per op, and one for the last op's link timeout. */
    private static int sqesOf(Op last) {
        int n = last.timeoutNanos > 0 ? 2 : 1;
        for (Op o = last.linkPrev; o != null; o = o.linkPrev) {
            n++;
        }
        return n;
    }

    /** Writes the {@code need} SQEs of the chain starting with {@code head}, all or none: a chain is never split. */
    private boolean tryPrep(Op head, int need) {
        if (!roomFor(need)) {
            return false;
        }
        for (Op op = head; op != null; op = op.linkNext) {
            prep(op);
        }
        return true;
    }

    /** Whether the SQ has {@code need} free entries, once the written ones are flushed to the kernel if it has not. */
    private boolean roomFor(int need) {
        if (ring.hasSqSpace(need)) {
            return true;
        }
        ring.flush();
        return ring.hasSqSpace(need);
    }

    private void prep(Op op) {
        long userData = UserData.pack(op.generation, UserData.PRIMARY, op.slot);
        int flags = op.sqeFlags;
        if (op.timeoutNanos > 0) {
            flags |= Ring.SQE_IO_LINK;
        }
        ring.prep(op.opcode, flags, op.ioprio, op.fd, op.off, op.addr, op.len, op.opFlags, userData, op.bufIndex,
                op.spliceFdIn, 0);
        if (op.timeoutNanos > 0) {
            long ts = op.scratch.address() + 16;
            writeTimespec(op.scratch, 16, op.timeoutNanos);
            ring.prep(Opcode.LINK_TIMEOUT, 0, 0, -1, 0, ts, 1, 0,
                    UserData.pack(op.generation, UserData.LINK_TIMEOUT, op.slot), 0, 0, 0);
            linkTimeoutsOwed++;
        }
        op.state = Op.SUBMITTED;
    }

    static void writeTimespec(MemorySegment scratch, long offset, long nanos) {
        scratch.set(JAVA_LONG, offset, nanos / NANOS_PER_SECOND);
        scratch.set(JAVA_LONG, offset + 8, nanos % NANOS_PER_SECOND);
    }

    /**
     * Submits backlogged ops while the SQ has room, and completes those cancelled while they
     * waited (the kernel never saw them). Called once per worker loop turn.
     *
     * @return how many backlogged ops left the backlog
     */
    public int drainBacklog() {
        int n = 0;
        while (backlogHead != null) {
            Op op = backlogHead;
            if (!op.cancelRequested && !tryPrep(chainHead(op), sqesOf(op))) {
                break;
            }
            backlogHead = op.nextQueued;
            op.nextQueued = null;
            if (backlogHead == null) {
                backlogTail = null;
            }
            n++;
            if (op.cancelRequested) {
                // The kernel never saw it (nor the ops linked before it): no link-timeout CQE will come either.
                for (Op o = chainHead(op), next; o != null; o = next) {
                    next = o.linkNext;
                    o.state = Op.CANCELLING;
                    o.pendingCqes = 1;
                    deliver(o, -Errno.ECANCELED, 0);
                }
            }
        }
        return n;
    }

    /** Whether ops are waiting for SQ space. */
    public boolean hasBacklog() {
        return backlogHead != null;
    }

    /**
     * Reaps every visible CQE: a reserved {@code user_data} ({@link UserData#isReserved}, such as
     * a {@link UserData#WAKE}) belongs to no op and is only counted
     * ({@link #reservedCompletions()}); every other goes to {@link #complete}. The loop looks each
     * CQE's op up one CQE ahead: the op's slot and generation load while the CQE before it is
     * delivered (its waiter runs), not in a chain of dependent loads after it. The op is checked
     * again when its own CQE is handled, since an earlier one may have recycled it.
     *
     * @return how many CQEs were reaped
     * @throws IllegalStateException when a waiter reaps again from inside a reap: the outer loop
     *         would hand out CQEs the inner one has handled already
     */
    public int reap() {
        if (reaping) {
            throw new IllegalStateException("OpTable.reap called from a completion it is delivering: a waiter must not"
                    + " drive the ring (run a loop turn, block in an await) while it is being completed");
        }
        reaping = true;
        try {
            return reapVisible();
        } finally {
            reaping = false;
        }
    }

    private int reapVisible() {
        Ring r = ring;
        int head = r.cqHead();
        int tail = r.cqTail();
        Op op = head != tail ? live(r.cqeUserData(head)) : null;
        for (int i = head; i != tail; i++) {
            long userData = r.cqeUserData(i);
            long resFlags = r.cqeResFlags(i);
            r.cqRead(i + 1);
            Op next = i + 1 != tail ? live(r.cqeUserData(i + 1)) : null;
            if (UserData.isReserved(userData)) {
                reserved++;
            } else {
                complete(userData, op, (int) resFlags, (int) (resFlags >>> 32));
            }
            op = next;
        }
        r.cqRelease();
        return tail - head;
    }

    /**
     * The op in {@code userData}'s slot if it still has that generation, else null. Generations
     * only grow, so a CQE whose op has moved on is stale for good; one that matches now may not
     * match after an earlier CQE recycled its op, and is checked again.
     */
    private Op live(long userData) {
        int slot = UserData.slot(userData);
        Op[] all = ops;
        if (slot < all.length) {
            Op op = all[slot];
            if (op.generation == UserData.generation(userData)) {
                return op;
            }
        }
        return null;
    }

    /**
     * Turns a CQE back into its op's completion. A CQE whose slot or generation does not match
     * a live op (stale or duplicate) is counted in {@link #staleCompletions()} and dropped. A link
     * timeout's CQE only settles the count of those owed: its op's slot may hold another op by now.
     */
    public void complete(long userData, int res, int flags) {
        complete(userData, live(userData), res, flags);
    }

    /** {@link #complete(long, int, int)} with {@code userData}'s op looked up already ({@link #live}). */
    private void complete(long userData, Op op, int res, int flags) {
        if (UserData.kind(userData) == UserData.LINK_TIMEOUT) {
            if (linkTimeoutsOwed == 0) {
                stale++;
            } else {
                linkTimeoutsOwed--;
            }
            return;
        }
        if (op == null || op.generation != UserData.generation(userData) || !owedByKernel(op.state)) {
            stale++;
            return;
        }
        if (op.state == Op.COMPLETED) {
            if ((flags & CQE_F_NOTIF) != 0 && op.notificationOwed) {
                op.notificationOwed = false;
                if (--op.pendingCqes == 0 && op.chainEnd == null) {
                    release(op);
                }
                return;
            }
            stale++;
            return;
        }
        deliver(op, res, flags);
    }

    /** SUBMITTED, CANCELLING or COMPLETED: the last three states, so one comparison. */
    private static boolean owedByKernel(byte state) {
        return state >= Op.SUBMITTED;
    }

    private void deliver(Op op, int res, int flags) {
        boolean more = (flags & Ring.CQE_F_MORE) != 0;
        if (more && op.opcode == Opcode.SEND_ZC) {
            // The send's result, which ends it for its waiter; the notification CQE still to come
            // keeps the op, and the memory it lends, until the kernel no longer reads it.
            more = false;
            op.notificationOwed = true;
            op.pendingCqes++;
        }
        op.cqeFlags = flags;
        if (op.opcode == Opcode.RECVMSG && res >= 0) {
            // Before the waiter hears: the sender and a truncation are in the header's memory.
            res = ((MsgHdr) op.keepAlive).received(res);
        }
        storeResult(op, res);
        if (!more) {
            op.pendingCqes--;
            op.state = Op.COMPLETED;
        }
        Op end = op.chainEnd;
        if (end != null) {
            if (!more && --end.chainPending == 0) {
                finishChain(end);
            }
            return;
        }
        try {
            op.waiter.onComplete(op);
        } finally {
            if (!more && op.pendingCqes == 0) {
                release(op);
            }
        }
    }

    /**
     * Every op of the chain ending with {@code end} has its result: its waiter gets the op that
     * decides the outcome (the first that did not end OK, else the last), then each op is
     * recycled unless its zero-copy notification is still owed.
     */
    private void finishChain(Op end) {
        Op head = chainHead(end);
        Op deciding = end;
        for (Op o = head; o != null; o = o.linkNext) {
            if (o.outcome() != Outcome.OK) {
                deciding = o;
                break;
            }
        }
        try {
            end.waiter.onComplete(deciding);
        } finally {
            for (Op o = head, next; o != null; o = next) {
                next = o.linkNext;
                o.linkNext = null;
                o.linkPrev = null;
                o.chainEnd = null;
                if (o.pendingCqes == 0) {
                    release(o);
                }
            }
        }
    }

    /** Stores the op's result, from which its {@link Op#outcome()} follows. */
    private static void storeResult(Op op, int res) {
        // A pure timer ends with ETIME when it fires: that is its success.
        op.result = res == -Errno.ETIME && op.opcode == Opcode.TIMEOUT ? 0 : res;
    }

    /**
     * Asks the kernel to cancel the op {@code token} names ({@code IORING_OP_ASYNC_CANCEL},
     * 5.5+). The op still completes exactly once, through its waiter: {@link Outcome#CANCELLED},
     * or its real result if it finished first. Its memory stays the kernel's until then.
     *
     * @return false when the token names no pending op (already completed, or recycled)
     */
    public boolean cancel(long token) {
        int slot = UserData.slot(token);
        Op op = slot < ops.length ? ops[slot] : null;
        if (op == null || op.generation != UserData.generation(token) || UserData.kind(token) != UserData.PRIMARY) {
            return false;
        }
        if (op.chainEnd != null) {
            // One op of a linked chain stands for the chain: every op still pending is cancelled.
            boolean any = false;
            for (Op o = chainHead(op.chainEnd); o != null; o = o.linkNext) {
                any |= cancelOne(o);
            }
            return any;
        }
        return cancelOne(op);
    }

    private boolean cancelOne(Op op) {
        if (op.state == Op.QUEUED) {
            if (op.cancelRequested) {
                return false;
            }
            op.cancelRequested = true;
            return true;
        }
        if (op.state == Op.SUBMITTED) {
            op.cancelRequested = true;
            op.state = Op.CANCELLING;
            Op cancel = acquire(Opcode.ASYNC_CANCEL);
            cancel.addr = op.token();
            submit(cancel, OpWaiter.IGNORE);
            return true;
        }
        return false;
    }

    /** Cancels every pending op except cancels themselves; returns how many were asked to stop. */
    public int cancelAll() {
        return cancelAll(null);
    }

    /**
     * Cancels the pending ops whose completion goes to {@code waiter} (all of them when null),
     * except cancels themselves; returns how many were asked to stop. Scans the table: for rare
     * paths such as a stop or a task that ended with ops still in flight.
     */
    public int cancelAll(OpWaiter waiter) {
        int n = 0;
        for (Op op : ops) {
            if ((op.state == Op.SUBMITTED || op.state == Op.QUEUED) && op.opcode != Opcode.ASYNC_CANCEL
                    && (waiter == null || op.waiter == waiter) && cancel(op.token())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Refuses every later {@link #submit} with a {@link RejectedExecutionException} that starts
     * with {@code why}: the owner is about to close the ring. Ops the kernel holds still complete.
     */
    public void close(String why) {
        closedBecause = why;
    }

    /** The ring this table submits to. */
    public Ring ring() {
        return ring;
    }

    /**
     * Ops in use: ready, prepared, queued, in the kernel, or waiting for a companion CQE. Counted
     * over the table when asked, for tests and diagnostics: a count kept up to date would cost
     * every op two updates.
     */
    public int active() {
        int n = 0;
        for (Op op : ops) {
            if (op.state != Op.FREE) {
                n++;
            }
        }
        return n;
    }

    /** Submitted ops whose last CQE has not arrived: the kernel may still use their memory. */
    public int owed() {
        return owed;
    }

    /**
     * Link timeouts submitted whose CQE has not been reaped: armed, or disarmed with the CQE still
     * in the kernel's deferred task work. They hold no slot and no memory of the table's.
     */
    public long linkTimeoutsOwed() {
        return linkTimeoutsOwed;
    }

    /** Slots in the table; grows by doubling, never shrinks. */
    public int capacity() {
        return ops.length;
    }

    /** CQEs that matched no live op and were dropped. */
    public long staleCompletions() {
        return stale;
    }

    /** CQEs with a reserved {@code user_data} that {@link #reap} counted. */
    public long reservedCompletions() {
        return reserved;
    }
}
