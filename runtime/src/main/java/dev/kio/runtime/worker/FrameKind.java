package dev.kio.runtime.worker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One kind of pooled frame: the generated continuation of one flow. Each worker keeps the idle
 * frames of each kind; {@link #acquire()} takes one there and a frame goes back when its
 * awaiter has read its result, so starting and running a flow on a warmed worker allocates
 * nothing.
 *
 * @param <F> the frame class
 */
public final class FrameKind<F extends Frame<?>> {
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.getAndIncrement();
    private final Supplier<F> factory;
    final int maxIdle;

    /**
     * @param factory makes a new frame when the worker has no idle one
     * @param maxIdle how many idle frames a worker keeps; more are left to the garbage collector
     */
    public FrameKind(Supplier<F> factory, int maxIdle) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative: " + maxIdle);
        }
        this.factory = factory;
        this.maxIdle = maxIdle;
    }

    /**
     * A kind whose frames its users make themselves, with {@link #idle()} and {@link #adopt}: what
     * generated flows use, since a factory per flow (a lambda each) costs javac more to compile
     * than the starter's own {@code new}.
     *
     * @param maxIdle how many idle frames a worker keeps; more are left to the garbage collector
     */
    public FrameKind(int maxIdle) {
        this(null, maxIdle);
    }

    /**
     * A frame in its initial state: an idle one of the calling worker's, or a new one from the
     * factory when the worker has none or the caller is not a worker thread.
     *
     * @throws IllegalStateException if this kind has no factory and no idle frame is at hand
     */
    public F acquire() {
        F idle = idle();
        if (idle != null) {
            return idle;
        }
        if (factory == null) {
            throw new IllegalStateException("frame kind " + id + " has no factory: take idle() or adopt(new frame)");
        }
        return adopt(factory.get());
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
