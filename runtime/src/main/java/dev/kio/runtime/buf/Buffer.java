package dev.kio.runtime.buf;

import java.lang.foreign.MemorySegment;

import dev.kio.runtime.op.Loan;
import dev.kio.runtime.ring.Ring;

/**
 * A fixed-size native buffer from a worker's {@link BufferPool} or a {@link ProvidedBuffers}
 * group: a slice of one large segment, optionally registered with the ring for fixed I/O.
 * Confined to its worker's thread.
 *
 * <p>Whoever acquired or received it holds it until {@link #release()}. While an operation
 * naming it is in the kernel it is <em>lent</em>: a release then only marks it, and it goes
 * back to its pool or ring when the kernel's last completion for it arrives, whether the op
 * completed, failed, was cancelled, or its frame ended.
 */
public final class Buffer extends Loan {
    private static final byte FREE = 0;
    private static final byte HELD = 1;
    private static final byte RELEASING = 2;

    private final BufferOwner owner;
    private final MemorySegment segment;
    private final int id;
    private final int index;
    private byte state;
    private int lent;
    private int length;
    Buffer nextFree;

    Buffer(BufferOwner owner, MemorySegment segment, int id, int index) {
        this.owner = owner;
        this.segment = segment;
        this.id = id;
        this.index = index;
    }

    /**
     * The whole buffer, {@link #capacity()} bytes.
     *
     * @throws IllegalStateException once released, or when its pool is closed
     */
    public MemorySegment segment() {
        if (state != HELD || owner.isClosed()) {
            throw new IllegalStateException(this + " is " + (state != HELD ? "released" : "from a closed pool"));
        }
        return segment;
    }

    public int capacity() {
        return (int) segment.byteSize();
    }

    /** The bytes of data it holds: what a receive put in it, or what the holder set. */
    public int length() {
        return length;
    }

    /** Records how many bytes of data it holds, e.g. after a read into it. */
    public Buffer length(int bytes) {
        if (bytes < 0 || bytes > capacity()) {
            throw new IllegalArgumentException("length " + bytes + " outside 0.." + capacity());
        }
        length = bytes;
        return this;
    }

    /** Its index among the buffers registered with its ring, or -1 when it is not registered. */
    public int index() {
        return index;
    }

    /** Whether fixed reads and writes on {@code ring} can use it. */
    public boolean isRegisteredWith(Ring ring) {
        return index >= 0 && owner.ring == ring;
    }

    /** Whether an operation in the kernel names it right now. */
    public boolean isLent() {
        return lent > 0;
    }

    /**
     * Gives the buffer back: at once, or, while it is lent, when the kernel's last completion
     * for it arrives.
     *
     * @throws IllegalStateException when it was released already
     */
    public void release() {
        if (state != HELD) {
            throw new IllegalStateException(this + " is released already");
        }
        if (lent > 0) {
            state = RELEASING;
        } else {
            free();
        }
    }

    /** Handed out by its owner. */
    void hold(int bytes) {
        state = HELD;
        length = bytes;
    }

    boolean isFree() {
        return state == FREE;
    }

    int id() {
        return id;
    }

    long address() {
        return segment.address();
    }

    private void free() {
        state = FREE;
        owner.reclaim(this);
    }

    @Override
    protected void lent() {
        if (lent++ == 0) {
            owner.bufferLent();
        }
    }

    @Override
    protected void returned() {
        if (--lent == 0) {
            if (state == RELEASING) {
                free();
            }
            owner.bufferReturned();
        }
    }

    @Override
    public String toString() {
        return "buffer " + id + " (" + capacity() + " bytes" + (index >= 0 ? ", registered #" + index : "") + ")";
    }
}
