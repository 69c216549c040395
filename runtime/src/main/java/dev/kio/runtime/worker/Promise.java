package dev.kio.runtime.worker;

import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A task that code on its worker completes, rather than steps of its own: the bridge from
 * callback-style code (a {@link dev.kio.runtime.buf.MultishotReceive} handler, a parser fed
 * from elsewhere) to a flow that awaits the value, without the kernel in between.
 *
 * <pre>{@code
 * Promise<Integer> p = Promise.create();   // handed to whoever will produce the value
 * int v = await(p);                        // in a flow: suspends until p.succeed(v)
 * }</pre>
 *
 * A promise is a value slot, not steps: a frame awaiting a pending one records itself there and
 * suspends; settling it stores the value and resumes that awaiter at once, on the settling call's
 * stack (as completing a {@code CompletableFuture} runs its dependent stages); a promise settled
 * before it is awaited lets the await continue inline. Promises are pooled per worker like flow
 * frames: {@link #create()} takes an idle one, and it goes back once its awaiter has read the
 * result, so on a warmed worker a promise allocates nothing. A promise is settled once, on the
 * thread of the worker whose frame awaits it, and awaited once. Handed to
 * {@link Worker#spawn}/{@link Worker#syncWait} as a task, it waits on that worker for the settle;
 * a worker that stops before that wait begins fails it as it fails any queued frame. A promise
 * still pending when its worker stops is failed by the stop: its awaiter resumes with a
 * {@link RejectedExecutionException} thrown where it awaits, so it runs its
 * {@code finally} blocks and whoever awaits it in turn (a {@code syncWait} too) hears of it.
 *
 * @param <T> the value's type
 */
public final class Promise<T> extends Frame<T> {
    private static final FrameKind<Promise<?>> KIND = new FrameKind<>(1024);

    private boolean settled;
    /** Neighbours in its worker's list of pending promises something waits on (see {@link #waitForSettle}). */
    private Promise<?> prevWaited;
    private Promise<?> nextWaited;

    private Promise() {
    }

    /** A pending promise: an idle one of the calling worker's, or a new one. */
    @SuppressWarnings("unchecked")
    public static <T> Promise<T> create() {
        Promise<?> idle = KIND.idle();
        return (Promise<T>) (idle != null ? idle : KIND.adopt(new Promise<>()));
    }

    /**
     * Runs only for a promise handed to a worker as a task ({@link Worker#spawn}, {@link Worker#syncWait}):
     * waits for the settle, or ends the promise if it came first. A frame awaiting a promise runs no step of it.
     */
    @Override
    protected void step() throws Throwable {
        if (!settled) {
            awaitMore();
            waitForSettle();
            return;
        }
        Throwable why = failure();
        if (why != null) {
            throw why;
        }
        done();
    }

    /** Completes the promise with {@code value}; a suspended awaiter resumes before this returns. */
    public void succeed(T value) {
        settle(value, null);
    }

    /** Fails the promise: its awaiter gets {@code why} thrown where it awaits. */
    public void fail(Throwable why) {
        settle(null, Objects.requireNonNull(why, "why"));
    }

    /** Whether {@link #succeed} or {@link #fail} was called (its awaiter may not have resumed yet). */
    public boolean isSettled() {
        return settled;
    }

    private void settle(T value, Throwable why) {
        // Before anything changes: the awaiter may only run on its worker's thread.
        if (settled || isDone() || awaiter != null && Thread.currentThread() != worker.thread) {
            throw refusal();
        }
        settled = true;
        forgetWaiter();
        endWith(value, why);
    }

    /** Why a settle is refused; out of {@link #settle}'s way, which C2 inlines only while it is small. */
    private IllegalStateException refusal() {
        if (settled) {
            return new IllegalStateException(this + " is already settled");
        }
        if (isDone()) {
            return new IllegalStateException(this + " was failed because its worker stopped; it cannot be settled");
        }
        worker.checkOwner();
        throw new AssertionError("settle refused on the owner's thread");
    }

    /** Awaited now: true if it was settled already, else it waits for the settle in its worker's list. */
    boolean settledOrWaited() {
        if (settled) {
            return true;
        }
        waitForSettle();
        return false;
    }

    /**
     * Puts this pending promise, which an awaiter or its own step now waits on, in its worker's
     * list: a stopping worker fails what is left there ({@link #failPending}), or its waiters
     * would never resume.
     */
    private void waitForSettle() {
        Worker w = worker;
        Promise<?> head = w.waitedPromises;
        nextWaited = head;
        if (head != null) {
            head.prevWaited = this;
        }
        w.waitedPromises = this;
    }

    private void forgetWaiter() {
        Promise<?> prev = prevWaited;
        Promise<?> next = nextWaited;
        if (prev != null) {
            prev.nextWaited = next;
            prevWaited = null;
        } else if (worker != null && worker.waitedPromises == this) {
            worker.waitedPromises = next;
        } else {
            return;
        }
        if (next != null) {
            next.prevWaited = prev;
            nextWaited = null;
        }
    }

    /**
     * Fails every promise of {@code w} that something still waits on, on {@code w}'s stopping
     * thread: their waiters resume now, each with an exception of its own (a waiter may add
     * suppressed exceptions to it), and may leave more (their own awaiters run and can wait on
     * new promises), so the stop calls this until none is left.
     */
    static void failPending(Worker w) {
        for (Promise<?> p = w.waitedPromises; p != null; p = w.waitedPromises) {
            p.forgetWaiter();
            // Not marked settled: until its awaiter reads it, a settle is refused as one its worker failed.
            p.endWith(null, new RejectedExecutionException("worker " + w.index + " stopped before the promise was settled"));
        }
    }

    @Override
    protected void clear() {
        settled = false;
    }
}
