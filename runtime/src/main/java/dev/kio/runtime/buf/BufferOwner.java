package dev.kio.runtime.buf;

import dev.kio.runtime.ring.Ring;

/**
 * What a {@link Buffer} comes from and goes back to: a {@link BufferPool}, or the ring of a
 * {@link ProvidedBuffers} group. Tracks how many of its buffers the kernel holds, so that closing
 * frees the memory only once none is lent.
 */
abstract sealed class BufferOwner permits BufferPool, ProvidedBuffers {
    final Ring ring;
    private int lentBuffers;
    private boolean closed;
    private boolean freed;

    BufferOwner(Ring ring) {
        this.ring = ring;
    }

    /** Takes back a buffer the user released and the kernel no longer holds. */
    abstract void reclaim(Buffer buffer);

    /** Gives the memory back (and unregisters it from a ring that is still open). */
    abstract void free();

    /** Whether the kernel may still touch memory outside the lent buffers (a receive in flight). */
    boolean kernelHoldsMore() {
        return false;
    }

    final void bufferLent() {
        lentBuffers++;
    }

    final void bufferReturned() {
        lentBuffers--;
        freeIfIdle();
    }

    /** Buffers an operation in the kernel names right now. */
    public final int lentBuffers() {
        return lentBuffers;
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Whether the memory has been given back: closed, and nothing was lent any more. */
    public final boolean isFreed() {
        return freed;
    }

    /**
     * Closes: buffers can no longer be acquired, held ones become unusable, and the memory is
     * freed now if the kernel holds none of it, or else as soon as the last op naming it
     * completes. Memory whose completions never come (a ring closed past its stop grace) is kept,
     * never freed.
     */
    void closeOwner() {
        closed = true;
        freeIfIdle();
    }

    final void freeIfIdle() {
        if (closed && !freed && lentBuffers == 0 && !kernelHoldsMore()) {
            freed = true;
            free();
        }
    }
}
