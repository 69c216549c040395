package dev.kio.runtime.worker;

import java.util.Objects;

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
 * a worker that stops before that wait begins fails it as it fails any queued frame (its awaiter
 * gets the {@link java.util.concurrent.RejectedExecutionException}). Nothing settles a promise
 * still pending when its worker stops: like a frame suspended on it, its awaiter is not resumed.
 *
 * @param <T> the value's type
 */
public final class Promise<T> extends Frame<T> {
    private static final FrameKind<Promise<?>> KIND = new FrameKind<>(Promise::new, 1024);

    private boolean settled;

    private Promise() {
    }

    /** A pending promise: an idle one of the calling worker's, or a new one. */
    @SuppressWarnings("unchecked")
    public static <T> Promise<T> create() {
        return (Promise<T>) KIND.acquire();
    }

    /**
     * Runs only for a promise handed to a worker as a task ({@link Worker#spawn}, {@link Worker#syncWait}):
     * waits for the settle, or ends the promise if it came first. A frame awaiting a promise runs no step of it.
     */
    @Override
    protected void step() throws Throwable {
        if (!settled) {
            awaitMore();
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
        if (settled) {
            throw new IllegalStateException(this + " is already settled");
        }
        if (isDone()) {
            throw new IllegalStateException(this + " was failed because its worker stopped; it cannot be settled");
        }
        if (awaiter != null) {
            // Before anything changes: the awaiter may only run on its worker's thread.
            worker.checkOwner();
        }
        settled = true;
        endWith(value, why);
    }

    @Override
    protected void clear() {
        settled = false;
    }
}
