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
 * Settling a promise its awaiter is suspended on resumes that awaiter at once, on the settling
 * call's stack (as completing a {@code CompletableFuture} runs its dependent stages); a promise
 * settled before it is awaited lets the await continue inline. Promises are pooled per worker
 * like flow frames: {@link #create()} takes an idle one, and it goes back once its awaiter has
 * read the result, so on a warmed worker a promise allocates nothing. A promise is settled once,
 * on the thread of the worker whose frame awaits it.
 *
 * @param <T> the value's type
 */
public final class Promise<T> extends Frame<T> {
    private static final FrameKind<Promise<?>> KIND = new FrameKind<>(Promise::new, 1024);

    private T result;
    private Throwable failure;
    private boolean settled;
    /** Its step ran and suspended: settling must run it again to finish. */
    private boolean waiting;

    private Promise() {
    }

    /** A pending promise: an idle one of the calling worker's, or a new one. */
    @SuppressWarnings("unchecked")
    public static <T> Promise<T> create() {
        return (Promise<T>) KIND.acquire();
    }

    @Override
    protected void step() throws Throwable {
        if (!settled) {
            waiting = true;
            awaitMore();
            return;
        }
        waiting = false;
        if (failure != null) {
            throw failure;
        }
        complete(result);
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
        if (waiting) {
            // Before anything changes: the awaiter's frame may only run on its worker's thread.
            worker().checkOwner();
        }
        result = value;
        failure = why;
        settled = true;
        if (waiting) {
            resume();
        }
    }

    @Override
    protected void clear() {
        result = null;
        failure = null;
        settled = false;
        waiting = false;
    }
}
