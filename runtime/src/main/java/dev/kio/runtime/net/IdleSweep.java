package dev.kio.runtime.net;

import java.time.Duration;
import java.util.Arrays;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.worker.Worker;

/**
 * Idle timeouts for the connections of one worker at the cost of one timer, instead of a link
 * timeout on every op: a link timeout is a second SQE, an hrtimer armed and cancelled in the
 * kernel and a second CQE per receive or send, which on a request-response server costs as much
 * as a sizeable part of the request. (Netty's {@code IdleStateHandler} and Tokio's timer wheel
 * make the same trade.)
 *
 * <p>Each connection takes a slot ({@link #register}) and hands every op it is about to await to
 * {@link #watch}, which records the op's token and the sweep's current tick. A {@code sleep} op
 * fires every {@code idleTimeout / }{@value #TICKS_PER_TIMEOUT} while slots are registered; at
 * each tick, an op that has been pending for more than {@value #TICKS_PER_TIMEOUT} ticks is
 * cancelled ({@link Worker#cancel}) and its slot marked {@link #expired}. So an op is cancelled
 * after waiting between the idle timeout and {@code 1 + 1/}{@value #TICKS_PER_TIMEOUT} of it, and
 * the connection's flow sees an {@link dev.kio.OpCancelledException}, which {@link #expired} tells
 * apart from a cancel by a stopping worker. Watching costs two array stores: no clock is read.
 *
 * <p>Confined to one worker: the first {@link #register} binds it to the caller's worker. The
 * timer is armed by the first registration and stops by itself at a tick that finds no slot
 * registered, or when the worker stops; slots arrays grow by doubling, so once the number of
 * concurrent connections has been reached, nothing is allocated.
 */
public final class IdleSweep {
    /** Ticks per idle timeout: the timeout's precision is {@code 1 / TICKS_PER_TIMEOUT} of it. */
    static final int TICKS_PER_TIMEOUT = 4;
    private static final long NONE = -1;

    private final long periodNanos;
    private final OpWaiter onTick = this::tick;
    private Worker worker;
    /** Per slot: the token of the op being watched, or {@link #NONE}. */
    private long[] tokens = new long[16];
    /** Per slot: the tick at which its op started. */
    private long[] startedAt = new long[16];
    /** Per slot: whether the sweep cancelled its op for idling. */
    private boolean[] expired = new boolean[16];
    /** Slots free for {@link #register}: {@code free[0..freeCount)}, then the never used from {@link #used}. */
    private int[] free = new int[16];
    private int freeCount;
    private int used;
    private int registered;
    private long tick;
    private boolean armed;

    /** A sweep closing ops left pending for longer than {@code idleTimeout}. */
    public IdleSweep(Duration idleTimeout) {
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
        }
        periodNanos = Math.max(1, idleTimeout.toNanos() / TICKS_PER_TIMEOUT);
    }

    /**
     * Takes a slot for one connection, on the worker the sweep is bound to (the first caller's).
     *
     * @throws IllegalStateException when called off a worker, or on another worker than the first caller's
     */
    public int register() {
        Worker current = Worker.current();
        if (current == null || (worker != null && worker != current)) {
            throw new IllegalStateException("an idle sweep belongs to " + (worker == null ? "a worker" : worker)
                    + ", not " + Thread.currentThread().getName());
        }
        worker = current;
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == tokens.length) {
                int n = used * 2;
                tokens = Arrays.copyOf(tokens, n);
                startedAt = Arrays.copyOf(startedAt, n);
                expired = Arrays.copyOf(expired, n);
                free = Arrays.copyOf(free, n);
            }
            slot = used++;
        }
        tokens[slot] = NONE;
        expired[slot] = false;
        registered++;
        if (!armed) {
            arm();
        }
        return slot;
    }

    /** Returns {@code op} after noting it as {@code slot}'s pending op: await it next. */
    public Op watch(int slot, Op op) {
        tokens[slot] = op.token();
        startedAt[slot] = tick;
        expired[slot] = false;
        return op;
    }

    /** Whether the sweep cancelled {@code slot}'s last watched op because it idled too long. */
    public boolean expired(int slot) {
        return expired[slot];
    }

    /** Gives {@code slot} back; its connection watches no more ops. */
    public void unregister(int slot) {
        tokens[slot] = NONE;
        free[freeCount++] = slot;
        registered--;
    }

    /** Slots registered now. */
    public int registered() {
        return registered;
    }

    private void arm() {
        armed = true;
        Op sleep = worker.ops().sleep(periodNanos);
        worker.ops().table().submit(sleep, onTick);
    }

    private void tick(Op timer) {
        armed = false;
        if (timer.outcome() != Outcome.OK) {
            // The worker is stopping: its ops, watched ones included, are being cancelled anyway.
            return;
        }
        tick++;
        for (int slot = 0; slot < used; slot++) {
            long token = tokens[slot];
            // More than TICKS_PER_TIMEOUT ticks: the op started before the first of them, so it waited a full timeout.
            if (token != NONE && tick - startedAt[slot] > TICKS_PER_TIMEOUT) {
                tokens[slot] = NONE;
                // False when the op completed already (its token is stale): its connection is not idle.
                expired[slot] = worker.cancel(token);
            }
        }
        if (registered > 0) {
            arm();
        }
    }

    @Override
    public String toString() {
        return "idle sweep every " + periodNanos / 1_000_000 + " ms on " + worker + " (" + registered + " slot(s))";
    }
}
