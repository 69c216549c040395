package dev.kio.runtime.buf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import dev.kio.OpException;
import dev.kio.runtime.op.Loan;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.sys.Errno;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A provided-buffer group ({@code IORING_REGISTER_PBUF_RING}, 5.19): buffers the kernel picks
 * from when a receive completes, so a connection needs a buffer only while data is in hand,
 * not while it waits. Confined to its worker's thread.
 *
 * <p>The group is a ring of {@code count} slots shared with the kernel; kio writes a slot and
 * then moves the ring's tail with release ordering, with no system call per buffer. A receive's
 * completion names the buffer it filled ({@link #received(Op)}), which its user then holds;
 * {@link Buffer#release()} writes it back into the ring (deferred while an op, such as a write
 * echoing the data, still has it). When every buffer is held, receives end with ENOBUFS and the
 * unread data waits in the socket: {@link MultishotReceive} re-arms once a buffer is back.
 */
public final class ProvidedBuffers extends BufferOwner implements AutoCloseable {
    private static final long PAGE = 4096;
    private static final int MAX_ENTRIES = 1 << 15;
    private static final long ENTRY_BYTES = 16;
    /** The ring's tail: a u16 that overlays the first slot's reserved field. */
    private static final long TAIL_OFFSET = 14;
    private static final VarHandle TAIL = JAVA_SHORT.varHandle();

    private final Arena arena = Arena.ofConfined();
    private final int groupId;
    private final int bufferSize;
    private final MemorySegment slots;
    private final int mask;
    private final Buffer[] buffers;
    private final Loan receives = new Loan() {
        @Override
        protected void lent() {
            receivesInFlight++;
        }

        @Override
        protected void returned() {
            receivesInFlight--;
            freeIfIdle();
        }
    };
    private int receivesInFlight;
    private short tail;
    private int inRing;
    private MultishotReceive starvedHead;
    private MultishotReceive starvedTail;

    private ProvidedBuffers(Ring ring, int groupId, int count, int bufferSize) {
        super(ring);
        this.groupId = groupId;
        this.bufferSize = bufferSize;
        this.mask = count - 1;
        this.slots = arena.allocate(count * ENTRY_BYTES, PAGE);
        MemorySegment slab = arena.allocate((long) count * bufferSize, PAGE);
        this.buffers = new Buffer[count];
        for (int id = 0; id < count; id++) {
            buffers[id] = new Buffer(this, slab.asSlice((long) id * bufferSize, bufferSize), id, -1);
            put(buffers[id]);
        }
        publish();
    }

    /**
     * Registers a group of {@code count} buffers of {@code bufferSize} bytes with {@code ring},
     * owned by the calling thread, every buffer in the ring.
     *
     * @param groupId the id receives name it by, 0..65535, unique per ring
     * @param count   a power of two, 1..32768
     * @throws OpException              when the kernel refuses: EINVAL (before 5.19), EEXIST (the id is
     *                                  taken), ENOMEM
     * @throws IllegalArgumentException for a bad id, count or size
     */
    public static ProvidedBuffers open(Ring ring, int groupId, int count, int bufferSize) throws OpException {
        if (groupId < 0 || groupId > 0xFFFF) {
            throw new IllegalArgumentException("buffer group id must be 0..65535, got " + groupId);
        }
        if (count < 1 || count > MAX_ENTRIES || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("a buffer ring holds a power of two of 1.." + MAX_ENTRIES
                    + " buffers, got " + count);
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("buffer size must be positive, got " + bufferSize);
        }
        ProvidedBuffers group = new ProvidedBuffers(ring, groupId, count, bufferSize);
        int rc = ring.registerBufRing(group.slots.address(), count, groupId);
        if (rc < 0) {
            group.arena.close();
            throw new OpException(-rc, Errno.name(-rc), Errno.describe(-rc) + (rc == -Errno.EINVAL
                    ? "; provided buffer rings need Linux 5.19 or newer" : ""), "register_buf_ring", "group " + groupId);
        }
        ring.closeWith(group);
        return group;
    }

    public int groupId() {
        return groupId;
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int count() {
        return buffers.length;
    }

    /** Buffers in the ring for the kernel to pick, as far as this thread has seen. */
    public int inRing() {
        return inRing;
    }

    /** Whether receives on {@code ring} can name this group. */
    public boolean isRegisteredWith(Ring ring) {
        return this.ring == ring && !isClosed();
    }

    /**
     * What receive ops naming this group hold while in the kernel, which may fill any buffer in
     * the ring: the group's memory is not freed until the last one has completed.
     */
    public Loan receives() {
        return receives;
    }

    /**
     * The buffer a receive's completion names, now held by the caller with {@link Buffer#length()}
     * set to the bytes received; null when the completion names none, or the group is closed (its
     * data is dropped: stop receives before closing). Call it once per completion.
     */
    public Buffer received(Op op) {
        int id = op.bufferId();
        if (id < 0 || isClosed()) {
            return null;
        }
        Buffer b = buffers[id];
        if (!b.isFree()) {
            throw new IllegalStateException("the kernel picked " + b + " of group " + groupId
                    + ", which is not in the ring: a completion was taken twice");
        }
        inRing--;
        b.hold(Math.max(op.result(), 0));
        return b;
    }

    @Override
    void reclaim(Buffer buffer) {
        if (isClosed()) {
            return;
        }
        put(buffer);
        publish();
        MultishotReceive starved = starvedHead;
        if (starved != null) {
            starvedHead = starved.nextStarved;
            if (starvedHead == null) {
                starvedTail = null;
            }
            starved.nextStarved = null;
            starved.fed();
        }
    }

    /** Writes a buffer into the slot at the tail; the kernel sees it once {@link #publish()} moves the tail. */
    private void put(Buffer b) {
        long slot = (tail & mask) * ENTRY_BYTES;
        slots.set(JAVA_LONG, slot, b.address());
        slots.set(JAVA_INT, slot + 8, bufferSize);
        slots.set(JAVA_SHORT, slot + 12, (short) b.id());
        tail++;
        inRing++;
    }

    private void publish() {
        TAIL.setRelease(slots, TAIL_OFFSET, tail);
    }

    /** Queues a receive that ran out of buffers; it is re-armed, one per buffer, as buffers come back. */
    void starve(MultishotReceive receive) {
        if (starvedTail == null) {
            starvedHead = receive;
        } else {
            starvedTail.nextStarved = receive;
        }
        starvedTail = receive;
    }

    /** Takes a stopped receive off the starved queue; false if it was not on it. */
    boolean unstarve(MultishotReceive receive) {
        MultishotReceive prev = null;
        for (MultishotReceive r = starvedHead; r != null; prev = r, r = r.nextStarved) {
            if (r == receive) {
                if (prev == null) {
                    starvedHead = r.nextStarved;
                } else {
                    prev.nextStarved = r.nextStarved;
                }
                if (starvedTail == r) {
                    starvedTail = prev;
                }
                r.nextStarved = null;
                return true;
            }
        }
        return false;
    }

    @Override
    boolean kernelHoldsMore() {
        return receivesInFlight > 0;
    }

    @Override
    void free() {
        if (!ring.isClosed()) {
            ring.unregisterBufRing(groupId);
            ring.forget(this);
        }
        arena.close();
    }

    /**
     * Closes the group: the memory is unregistered and freed once no receive naming it and no op
     * naming one of its buffers is in the kernel. Held buffers become unusable. A group still open
     * when its ring closes (its worker stops) is closed then.
     */
    @Override
    public void close() {
        closeOwner();
    }

    @Override
    public String toString() {
        return "buffer group " + groupId + " (" + buffers.length + " x " + bufferSize + " bytes, " + inRing + " in the ring)";
    }
}
