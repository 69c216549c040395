package dev.kio.runtime.op;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.ProvidedBuffers;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.Ring;

/**
 * Creates a worker's operations, one method per opcode, liburing style: each only describes
 * the op; submitting (awaiting) it is separate. Every address and length is checked against its
 * segment here, before the kernel can see it, and the segment is kept reachable until the op's
 * last completion.
 *
 * <p>Confined to the worker thread, like the table it draws from. Errors come back as
 * {@code -errno} in {@link Op#result()}; each method lists the ones specific to it.
 */
public final class Ops {
    /** Position meaning "the file's current position" (streams such as pipes and sockets). */
    public static final long CURRENT_POSITION = -1;
    private static final int NOP_INJECT_RESULT = 1;
    /** IORING_RECV_MULTISHOT, in the SQE's ioprio. */
    private static final int RECV_MULTISHOT = 1 << 1;

    private final OpTable table;

    public Ops(OpTable table) {
        this.table = table;
    }

    public OpTable table() {
        return table;
    }

    /** {@code IORING_OP_NOP} (5.1): completes with 0; measures the ring itself. */
    public Op nop() {
        return table.acquire(Opcode.NOP);
    }

    /**
     * {@code IORING_OP_NOP} with {@code IORING_NOP_INJECT_RESULT}: completes, through the
     * kernel, with {@code result} as if an operation had returned it ({@code -errno} is a
     * failure). For tests that need an op with a chosen outcome that completes later. Kernels
     * that predate the flag (it is newer than 6.8) end it with EINVAL.
     */
    public Op nop(int result) {
        Op op = table.acquire(Opcode.NOP);
        op.opFlags = NOP_INJECT_RESULT;
        op.len = result;
        return op;
    }

    /**
     * An operation that is already complete with {@code result} ({@code -errno} for a failure):
     * awaiting it continues at once, without the ring. For code that sometimes has its answer at
     * hand (data already buffered) and sometimes must ask the kernel, behind one signature.
     */
    public Op ready(int result) {
        return table.ready(result);
    }

    /**
     * {@code IORING_OP_READ} (5.6): reads up to {@code length} bytes from {@code fd} into
     * {@code segment} at {@code offset}; result is the byte count, 0 at end of file.
     * Errors: EBADF, EAGAIN never (the ring polls), EINVAL (bad position), EFAULT, EISDIR.
     *
     * @param position file position, or {@link #CURRENT_POSITION}
     */
    public Op read(int fd, MemorySegment segment, long offset, int length, long position) {
        return readWrite(Opcode.READ, fd, checked(segment, offset, length, true), offset, length, position);
    }

    /**
     * {@code IORING_OP_WRITE} (5.6): writes up to {@code length} bytes of {@code segment} at
     * {@code offset} to {@code fd}; result is the byte count (possibly short).
     * Errors: EBADF, EPIPE (reader gone), ENOSPC, EFBIG, EINVAL.
     *
     * @param position file position, or {@link #CURRENT_POSITION}
     */
    public Op write(int fd, MemorySegment segment, long offset, int length, long position) {
        return readWrite(Opcode.WRITE, fd, checked(segment, offset, length, false), offset, length, position);
    }

    private Op readWrite(int opcode, int fd, MemorySegment segment, long offset, int length, long position) {
        Op op = table.acquire(opcode);
        op.fd = fd;
        op.addr = segment.address() + offset;
        op.len = length;
        op.off = position;
        op.keepAlive = segment;
        return op;
    }

    /** {@code IORING_OP_CLOSE} (5.6): closes {@code fd}. Errors: EBADF. */
    public Op close(int fd) {
        Op op = table.acquire(Opcode.CLOSE);
        op.fd = fd;
        return op;
    }

    /**
     * {@code IORING_OP_TIMEOUT} (5.4) as a pure timer: completes with 0 after {@code nanos}
     * (the kernel's ETIME is its success), or is cancelled.
     */
    public Op sleep(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("sleep must not be negative, got " + nanos + " ns");
        }
        Op op = table.acquire(Opcode.TIMEOUT);
        OpTable.writeTimespec(op.scratch, 0, nanos);
        op.addr = op.scratch.address();
        op.len = 1;
        return op;
    }

    /**
     * {@code IORING_OP_MSG_RING} (5.18): posts a CQE with {@code userData} and {@code value} to
     * the ring {@code ringFd}; result is 0 here. Errors: EBADFD (target ring gone), EOVERFLOW
     * (target CQ full), EINVAL (kernel or target refuses).
     */
    public Op msgRing(int ringFd, long userData, int value) {
        Op op = table.acquire(Opcode.MSG_RING);
        op.fd = ringFd;
        op.off = userData;
        op.len = value;
        return op;
    }

    // Pooled buffers (dev.kio.runtime.buf): fixed reads and writes, and receives into provided buffers.

    /**
     * {@code IORING_OP_READ_FIXED} (5.1): {@link #read(int, MemorySegment, long, int, long) read}
     * into a buffer registered with this ring, whose pages the kernel pinned once, at registration,
     * rather than looking them up for every op.
     * The buffer is lent to the kernel until the op's last completion: releasing it meanwhile is
     * deferred.
     *
     * @throws IllegalArgumentException when {@code offset}/{@code length} fall outside the buffer,
     *                                  or it is not registered with this ring
     * @throws IllegalStateException    when the buffer was released
     */
    public Op readFixed(int fd, Buffer buffer, long offset, int length, long position) {
        return fixed(Opcode.READ_FIXED, fd, buffer, offset, length, position);
    }

    /**
     * {@code IORING_OP_WRITE_FIXED} (5.1): {@link #write(int, MemorySegment, long, int, long) write}
     * from a buffer registered with this ring; lent like {@link #readFixed}.
     */
    public Op writeFixed(int fd, Buffer buffer, long offset, int length, long position) {
        return fixed(Opcode.WRITE_FIXED, fd, buffer, offset, length, position);
    }

    /** Reads into a pooled buffer: {@link #readFixed} when it is registered with this ring, plain READ otherwise. */
    public Op read(int fd, Buffer buffer, long offset, int length, long position) {
        return buffer.isRegisteredWith(table.ring()) ? readFixed(fd, buffer, offset, length, position)
                : lend(Opcode.READ, fd, buffer, offset, length, position);
    }

    /** Writes from a pooled buffer: {@link #writeFixed} when it is registered with this ring, plain WRITE otherwise. */
    public Op write(int fd, Buffer buffer, long offset, int length, long position) {
        return buffer.isRegisteredWith(table.ring()) ? writeFixed(fd, buffer, offset, length, position)
                : lend(Opcode.WRITE, fd, buffer, offset, length, position);
    }

    /**
     * {@code IORING_OP_RECV} with {@code IORING_RECV_MULTISHOT} (6.0) and
     * {@code IOSQE_BUFFER_SELECT} from a provided-buffer ring (5.19): one SQE, then one completion
     * per chunk received, each naming the buffer the kernel filled ({@link Op#bufferId()},
     * {@link ProvidedBuffers#received(Op)}) and flagged {@link Op#hasMore()} while the receive
     * stays armed. Its completions go to an {@link OpWaiter}, not to an awaiting frame; see
     * {@link dev.kio.runtime.buf.MultishotReceive}, which re-arms it. It ends with 0 at end of
     * stream or {@code -errno}: ENOBUFS (the group ran out of buffers; the unread data stays in
     * the socket), ENOTSOCK, ECANCELED, EINVAL (kernel without multishot receive).
     */
    public Op recvMultishot(int fd, ProvidedBuffers group) {
        if (!group.isRegisteredWith(table.ring())) {
            throw new IllegalArgumentException(group + " is not registered with this worker's ring");
        }
        Op op = table.acquire(Opcode.RECV);
        op.fd = fd;
        op.sqeFlags = Ring.SQE_BUFFER_SELECT;
        op.ioprio = RECV_MULTISHOT;
        op.bufIndex = group.groupId();
        op.keepAlive = group.receives();
        return op;
    }

    private Op fixed(int opcode, int fd, Buffer buffer, long offset, int length, long position) {
        if (!buffer.isRegisteredWith(table.ring())) {
            throw new IllegalArgumentException(buffer + " is not registered with this worker's ring: "
                    + Opcode.name(opcode) + " needs a registered buffer; read/write(fd, buffer, ...) takes any");
        }
        Op op = lend(opcode, fd, buffer, offset, length, position);
        op.bufIndex = buffer.index();
        return op;
    }

    private Op lend(int opcode, int fd, Buffer buffer, long offset, int length, long position) {
        MemorySegment segment = buffer.segment();
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length) {
            throw new IllegalArgumentException(Opcode.name(opcode) + "(fd " + fd + "): offset " + offset + " and length "
                    + length + " fall outside " + buffer);
        }
        Op op = readWrite(opcode, fd, segment, offset, length, position);
        op.keepAlive = buffer;
        return op;
    }

    private static MemorySegment checked(MemorySegment segment, long offset, int length, boolean kernelWrites) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (!segment.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; got a heap segment " + segment);
        }
        if (kernelWrites && segment.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment " + segment);
        }
        return segment;
    }
}
