package dev.kio.runtime.worker;

/** The idle frames of one {@link FrameKind} on one worker: a bounded stack, touched by that worker only. */
final class FramePool {
    private final Frame<?>[] idle;
    private int size;

    FramePool(FrameKind<?> kind) {
        this.idle = new Frame<?>[kind.maxIdle];
    }

    Frame<?> poll() {
        if (size == 0) {
            return null;
        }
        Frame<?> f = idle[--size];
        idle[size] = null;
        return f;
    }

    void release(Frame<?> f) {
        if (size < idle.length) {
            idle[size++] = f;
        }
    }
}
