package dev.kio.runtime.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kio.runtime.sys.Errno;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The native memory of one {@link Ops#sendmsg} or {@link Ops#recvmsg}: a {@code struct msghdr},
 * one {@code struct iovec} and a {@code struct sockaddr_storage} for the peer's address, in one
 * 200-byte block. The kernel reads the header and the address, and a receive writes the address,
 * {@code msg_namelen} and {@code msg_flags} back, until the op's completion.
 *
 * <p>Headers come from a {@link Pool} and are lent to the kernel with their op (a {@link Loan}):
 * when the op's last completion has arrived the header goes back to its pool by itself, so a
 * stream of datagrams allocates nothing once the pool holds as many headers as ops are in flight
 * at once. The memory the iovec points into is kept reachable, and lent when it is a {@link Loan}
 * (a pooled buffer), for as long. Confined to one worker thread, like its ops.
 */
public final class MsgHdr extends Loan {
    /** {@code sizeof(struct sockaddr_storage)}. */
    public static final int NAME_BYTES = 128;
    /** A receive flag (recvmsg(2)) and a {@code msg_flags} bit: the datagram was longer than the buffer. */
    static final int MSG_TRUNC = 0x20;
    // struct msghdr on x86_64: name, namelen, iov, iovlen, control, controllen, flags.
    private static final long NAME = 0;
    private static final long NAMELEN = 8;
    private static final long IOV = 16;
    private static final long IOVLEN = 24;
    private static final long FLAGS = 48;
    private static final long IOVEC = 56;
    private static final long STORAGE = 72;
    private static final long BYTES = STORAGE + NAME_BYTES;

    private final Pool pool;
    private final MemorySegment memory;
    private final MemorySegment name;
    private boolean taken;
    private boolean hasData;
    /** An op names it: from {@link #checked} until its last completion. */
    private boolean named;
    /** What the iovec points into: a segment, or a {@link Loan} that is lent along with this header. */
    private Object data;
    /** Where a receive copies the sender's address, or null. */
    private MemorySegment senderOut;

    private MsgHdr(Pool pool) {
        this.pool = pool;
        this.memory = Arena.ofAuto().allocate(BYTES, 8);
        this.name = memory.asSlice(STORAGE, NAME_BYTES);
        memory.set(ADDRESS, IOV, memory.asSlice(IOVEC));
        memory.set(JAVA_LONG, IOVLEN, 1);
    }

    /**
     * Points the iovec at {@code length} bytes of {@code segment} from {@code offset}, and keeps
     * {@code owner} (the segment itself, or the pooled buffer it belongs to) until the op is done.
     *
     * @param kernelWrites whether the op writes the memory (a receive): it must not be read-only
     */
    public MsgHdr data(Object owner, MemorySegment segment, long offset, int length, boolean kernelWrites) {
        checkChangeable();
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (!segment.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; got a heap segment " + segment);
        }
        if (kernelWrites && segment.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment " + segment);
        }
        memory.set(JAVA_LONG, IOVEC, segment.address() + offset);
        memory.set(JAVA_LONG, IOVEC + 8, length);
        data = owner;
        hasData = true;
        return this;
    }

    /**
     * The destination of a send: {@code length} bytes of {@code address}, a socket address in the
     * kernel's layout, copied into this header (so {@code address} may change at once); 0 sends
     * to the socket's connected peer.
     */
    public MsgHdr destination(MemorySegment address, int length) {
        checkChangeable();
        if (length < 0 || length > NAME_BYTES) {
            throw new IllegalArgumentException("a socket address is 0.." + NAME_BYTES + " bytes, got " + length);
        }
        MemorySegment.copy(address, 0, name, 0, length);
        setName(length);
        return this;
    }

    /**
     * Where a receive puts the sender's address: copied into {@code out} (at least
     * {@link #NAME_BYTES} bytes, zero-filled past the address) when the receive completes, before
     * its waiter hears of it; null to ignore the sender.
     */
    public MsgHdr senderInto(MemorySegment out) {
        checkChangeable();
        if (out != null && out.byteSize() < NAME_BYTES) {
            throw new IllegalArgumentException("a sender's address needs " + NAME_BYTES + " bytes, got " + out);
        }
        senderOut = out;
        return this;
    }

    /** Goes back to its pool without having been submitted (the op that was to use it was never made). */
    public void abandon() {
        if (taken && !named) {
            recycle();
        }
    }

    long address() {
        return memory.address();
    }

    /** Checks the header before an op names it: taken from its pool, data set, not in another op. */
    MsgHdr checked(boolean receive) {
        if (!taken || named) {
            throw new IllegalStateException("a message header is used by one op at a time, taken from its pool: " + this);
        }
        if (!hasData) {
            throw new IllegalArgumentException("a message header without data: call data(...) first");
        }
        if (receive) {
            setName(NAME_BYTES);
            memory.set(JAVA_INT, FLAGS, 0);
        }
        named = true;
        return this;
    }

    private void setName(int length) {
        memory.set(ADDRESS, NAME, length == 0 ? MemorySegment.NULL : name);
        memory.set(JAVA_INT, NAMELEN, length);
    }

    /**
     * Called by the op table with a successful receive's result, before the waiter hears of it: the
     * sender is copied out, and a datagram cut short to fit the buffer ({@code MSG_TRUNC}) becomes
     * EMSGSIZE rather than a silently short count.
     */
    int received(int res) {
        if (senderOut != null) {
            int length = Math.min(memory.get(JAVA_INT, NAMELEN), NAME_BYTES);
            senderOut.fill((byte) 0);
            MemorySegment.copy(name, 0, senderOut, 0, length);
        }
        return (memory.get(JAVA_INT, FLAGS) & MSG_TRUNC) != 0 ? -Errno.EMSGSIZE : res;
    }

    private void checkChangeable() {
        if (named) {
            throw new IllegalStateException("a message header cannot change while the kernel uses it: " + this);
        }
    }

    @Override
    protected void lent() {
        if (data instanceof Loan loan) {
            loan.lent();
        }
    }

    @Override
    protected void returned() {
        if (data instanceof Loan loan) {
            loan.returned();
        }
        recycle();
    }

    private void recycle() {
        data = null;
        senderOut = null;
        hasData = false;
        named = false;
        taken = false;
        pool.put(this);
    }

    @Override
    public String toString() {
        return "MsgHdr@" + Long.toHexString(memory.address()) + (named ? " (in an op)" : taken ? " (taken)" : " (free)");
    }

    /** Idle headers of one owner (a socket), confined to its worker thread; grows when all are in flight. */
    public static final class Pool {
        private MsgHdr[] idle = new MsgHdr[4];
        private int size;

        /** An idle header, or a new one; it returns here after its op's last completion. */
        public MsgHdr take() {
            MsgHdr h;
            if (size == 0) {
                h = new MsgHdr(this);
            } else {
                h = idle[--size];
                idle[size] = null;
            }
            h.taken = true;
            return h;
        }

        private void put(MsgHdr h) {
            if (size == idle.length) {
                idle = java.util.Arrays.copyOf(idle, size * 2);
            }
            idle[size++] = h;
        }
    }
}
