package dev.kio.runtime.worker;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One kind of pooled frame: the generated continuation of one flow, or one of the runtime's own
 * tasks. Each worker keeps the idle frames of each kind; a starter takes one there with
 * {@link #idle()}, or makes a new one and {@linkplain #adopt adopts} it (no factory: a lambda
 * per generated flow would cost javac more than the starter's {@code new}), and a frame goes
 * back when its awaiter has read its result, so starting and running a flow on a warmed worker
 * allocates nothing.
 *
 * @param <F> the frame class
 */
public final class FrameKind<F extends Frame<?>> {
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.getAndIncrement();
    final int maxIdle;

    /**
     * @param maxIdle how many idle frames a worker keeps; more are left to the garbage collector
     */
    public FrameKind(int maxIdle) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative: " + maxIdle);
        }
        this.maxIdle = maxIdle;
    }

    /** An idle frame of the calling worker's, in its initial state; null when it has none or the caller is not a worker thread. */
    public F idle() {
        Worker w = Worker.current();
        if (w == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        F idle = (F) w.frames(this).poll();
        return idle;
    }

    /** Makes {@code fresh}, a new frame, one of this kind: it goes back to its worker's idle frames once its result is read. */
    public F adopt(F fresh) {
        fresh.kind = this;
        return fresh;
    }
}
