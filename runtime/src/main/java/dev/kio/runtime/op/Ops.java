package dev.kio.runtime.op;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.ProvidedBuffers;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Native;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
    /** Directory fd meaning "the process's working directory" for the {@code *at} ops; absolute paths ignore it. */
    public static final int AT_FDCWD = -100;
    /** {@link #unlinkat} flag: remove a directory (as rmdir(2)) rather than a file. */
    public static final int AT_REMOVEDIR = 0x200;
    /** {@link #statx} needs a buffer of at least this many bytes ({@code struct statx}). */
    public static final int STATX_BYTES = 256;
    /** {@link #splice} flag: move pages rather than copy them, where the kernel can (a hint). */
    public static final int SPLICE_F_MOVE = 1;
    /** {@link #splice} flag: more data follows, as {@code MSG_MORE} for a socket. */
    public static final int SPLICE_F_MORE = 4;
    private static final int NOP_INJECT_RESULT = 1;
    /** IORING_TIMEOUT_ETIME_SUCCESS, in the SQE's timeout_flags. */
    private static final int TIMEOUT_ETIME_SUCCESS = 1 << 5;
    private static final int FSYNC_DATASYNC = 1;
    /** IORING_RECV_MULTISHOT, in the SQE's ioprio. */
    private static final int RECV_MULTISHOT = 1 << 1;
    /** IORING_ACCEPT_MULTISHOT, in the SQE's ioprio. */
    private static final int ACCEPT_MULTISHOT = 1;

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

    /**
     * {@code IORING_OP_READV} (5.1): reads from {@code fd} into the buffers of {@code vecs}, in
     * order; result is the byte count, 0 at end of file. Errors as {@link #read}.
     *
     * @param position file position, or {@link #CURRENT_POSITION}
     */
    public Op readv(int fd, IoVecs vecs, long position) {
        return vectored(Opcode.READV, fd, vecs.checked(true), position);
    }

    /**
     * {@code IORING_OP_WRITEV} (5.1): writes the buffers of {@code vecs}, in order, to {@code fd};
     * result is the byte count (possibly short). Errors as {@link #write}.
     *
     * @param position file position, or {@link #CURRENT_POSITION}
     */
    public Op writev(int fd, IoVecs vecs, long position) {
        return vectored(Opcode.WRITEV, fd, vecs.checked(false), position);
    }

    private Op vectored(int opcode, int fd, IoVecs vecs, long position) {
        Op op = table.acquire(opcode);
        op.fd = fd;
        op.addr = vecs.arrayAddress();
        op.len = vecs.count();
        op.off = position;
        op.keepAlive = vecs;
        return op;
    }

    /**
     * {@code IORING_OP_FSYNC} (5.1): flushes {@code fd}'s data and metadata to the device, as
     * fsync(2); result 0. Errors: EBADF, EIO, EROFS/EINVAL (fd cannot be synced), ENOSPC, EDQUOT.
     */
    public Op fsync(int fd) {
        Op op = table.acquire(Opcode.FSYNC);
        op.fd = fd;
        return op;
    }

    /**
     * {@code IORING_OP_FSYNC} with {@code IORING_FSYNC_DATASYNC} (5.1): as fdatasync(2), flushes
     * {@code fd}'s data and only the metadata needed to read it back; result 0. Errors as
     * {@link #fsync}; they name the opcode, {@code fsync}.
     */
    public Op fdatasync(int fd) {
        Op op = fsync(fd);
        op.opFlags = FSYNC_DATASYNC;
        return op;
    }

    /**
     * {@code IORING_OP_FALLOCATE} (5.6): as fallocate(2), allocates (mode 0, growing the file if
     * needed) or with {@code FALLOC_FL_*} flags punches or zeroes {@code length} bytes from
     * {@code offset}; result 0. Errors: EBADF (not open for writing), EINVAL (length not positive),
     * EOPNOTSUPP (the filesystem lacks the mode), ENOSPC, EFBIG.
     */
    public Op fallocate(int fd, int mode, long offset, long length) {
        Op op = table.acquire(Opcode.FALLOCATE);
        op.fd = fd;
        op.len = mode;
        op.off = offset;
        op.addr = length;
        return op;
    }

    /**
     * {@code IORING_OP_FTRUNCATE} (6.9): sets {@code fd}'s size to {@code length}, as
     * ftruncate(2); result 0. Errors: EBADF, EINVAL (fd not open for writing, or length negative),
     * EFBIG, EPERM.
     *
     * <p>On a kernel whose ring lacks the opcode this does not fail: it calls ftruncate(2) at once,
     * on the calling worker thread, and returns a {@linkplain #ready ready} op with its result.
     * That call blocks the worker for as long as the filesystem takes (usually a metadata update).
     */
    public Op ftruncate(int fd, long length) {
        if (!table.supports(Opcode.FTRUNCATE)) {
            return ready(Native.ftruncate(fd, length));
        }
        Op op = table.acquire(Opcode.FTRUNCATE);
        op.fd = fd;
        op.off = length;
        return op;
    }

    /**
     * {@code IORING_OP_OPENAT} (5.6): opens {@code path} (a NUL-terminated string in
     * {@code pathSegment}, relative to {@code dirFd} or {@link #AT_FDCWD}) with open(2)'s
     * {@code flags} and, when creating, {@code mode}; result is the new fd. Errors: ENOENT, EACCES,
     * EEXIST ({@code O_CREAT|O_EXCL}), EISDIR (a directory opened for writing), ENOTDIR, ELOOP,
     * ENAMETOOLONG, EMFILE/ENFILE, EINVAL (e.g. {@code O_DIRECT} on a filesystem without it).
     */
    public Op openat(int dirFd, MemorySegment path, int flags, int mode) {
        Op op = table.acquire(Opcode.OPENAT);
        op.fd = dirFd;
        op.addr = checkedPath(path).address();
        op.len = mode;
        op.opFlags = flags;
        op.keepAlive = path;
        return op;
    }

    /**
     * {@code IORING_OP_STATX} (5.6): as statx(2), fills {@code statx} (at least
     * {@link #STATX_BYTES} bytes, {@code struct statx}) with what {@code mask}
     * ({@code STATX_*}) asks for about {@code path} ({@code AT_*} {@code flags}; with
     * {@code AT_EMPTY_PATH} and an empty path, about {@code dirFd} itself); result 0.
     * Errors: ENOENT, EACCES, ENOTDIR, ELOOP, ENAMETOOLONG, EBADF, EINVAL (bad flags).
     */
    public Op statx(int dirFd, MemorySegment path, int flags, int mask, MemorySegment statx) {
        Objects.requireNonNull(statx, "statx");
        if (statx.byteSize() < STATX_BYTES) {
            throw new IllegalArgumentException("statx needs " + STATX_BYTES + " bytes, got a segment of " + statx.byteSize());
        }
        checked(statx, 0, STATX_BYTES, true);
        Op op = table.acquire(Opcode.STATX);
        op.fd = dirFd;
        op.addr = checkedPath(path).address();
        op.len = mask;
        op.off = statx.address();
        op.opFlags = flags;
        op.keepAlive = path;
        op.keepAliveToo = statx;
        return op;
    }

    /**
     * {@code IORING_OP_UNLINKAT} (5.11): removes {@code path}, a file, or with
     * {@link #AT_REMOVEDIR} an empty directory; result 0. Errors: ENOENT, EACCES/EPERM, EISDIR
     * (a directory without {@code AT_REMOVEDIR}), ENOTDIR, ENOTEMPTY, EBUSY.
     */
    public Op unlinkat(int dirFd, MemorySegment path, int flags) {
        Op op = table.acquire(Opcode.UNLINKAT);
        op.fd = dirFd;
        op.addr = checkedPath(path).address();
        op.opFlags = flags;
        op.keepAlive = path;
        return op;
    }

    /**
     * {@code IORING_OP_RENAMEAT} (5.11): as renameat2(2), moves {@code oldPath} to
     * {@code newPath}, replacing it unless {@code flags} has {@code RENAME_NOREPLACE}; result 0.
     * Errors: ENOENT, EACCES, EEXIST/ENOTEMPTY, EISDIR, ENOTDIR, EXDEV (another filesystem), EBUSY.
     */
    public Op renameat(int oldDirFd, MemorySegment oldPath, int newDirFd, MemorySegment newPath, int flags) {
        Op op = table.acquire(Opcode.RENAMEAT);
        op.fd = oldDirFd;
        op.addr = checkedPath(oldPath).address();
        op.len = newDirFd;
        op.off = checkedPath(newPath).address();
        op.opFlags = flags;
        op.keepAlive = oldPath;
        op.keepAliveToo = newPath;
        return op;
    }

    /**
     * {@code IORING_OP_MKDIRAT} (5.15): creates the directory {@code path} with {@code mode}
     * (less the umask); result 0. Errors: EEXIST, ENOENT (a parent is missing), EACCES, ENOTDIR,
     * ENOSPC.
     */
    public Op mkdirat(int dirFd, MemorySegment path, int mode) {
        Op op = table.acquire(Opcode.MKDIRAT);
        op.fd = dirFd;
        op.addr = checkedPath(path).address();
        op.len = mode;
        op.keepAlive = path;
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
     * (the kernel's ETIME is its success), or is cancelled. With
     * {@code IORING_TIMEOUT_ETIME_SUCCESS} (5.16) the kernel agrees: an op {@linkplain Op#link
     * linked} after a timer runs when it fires, and is cancelled with it.
     */
    public Op sleep(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("sleep must not be negative, got " + nanos + " ns");
        }
        Op op = table.acquire(Opcode.TIMEOUT);
        OpTable.writeTimespec(op.scratch, 0, nanos);
        op.addr = op.scratch.address();
        op.len = 1;
        op.opFlags = TIMEOUT_ETIME_SUCCESS;
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

    /** A path the kernel reads: native memory holding a NUL-terminated string. */
    private static MemorySegment checkedPath(MemorySegment path) {
        Objects.requireNonNull(path, "path");
        if (!path.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; got a heap segment for a path " + path);
        }
        alive(path, " for a path");
        for (long i = 0; i < path.byteSize(); i++) {
            if (path.get(JAVA_BYTE, i) == 0) {
                return path;
            }
        }
        throw new IllegalArgumentException("a path must end with a NUL byte within its segment " + path);
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

    // Sockets (dev.kio.runtime.net). Socket set-up that never blocks (bind, listen, setsockopt,
    // getsockname) is a plain system call in sys.Native, not an op.

    /**
     * {@code IORING_OP_SOCKET} (5.19): a new socket, as socket(2) with {@code type} (which may
     * carry {@code SOCK_CLOEXEC}/{@code SOCK_NONBLOCK}); result is its fd. Errors: EMFILE/ENFILE,
     * EAFNOSUPPORT, EPROTONOSUPPORT, EINVAL.
     *
     * <p>On a kernel whose ring lacks the opcode this does not fail: it calls socket(2) at once,
     * which never blocks, and returns a {@linkplain #ready ready} op with its result.
     */
    public Op socket(int domain, int type, int protocol) {
        if (!table.supports(Opcode.SOCKET)) {
            return ready(Native.socket(domain, type, protocol));
        }
        Op op = table.acquire(Opcode.SOCKET);
        op.fd = domain;
        op.off = type;
        op.len = protocol;
        return op;
    }

    /**
     * {@code IORING_OP_CONNECT} (5.5): connects socket {@code fd} to the {@code length}-byte
     * socket address in {@code address}; result 0. Errors: ECONNREFUSED, ENETUNREACH/EHOSTUNREACH,
     * ETIMEDOUT (the kernel gave up; a {@link Op#timeout} ends it sooner), EADDRNOTAVAIL,
     * EISCONN, ENOENT/EACCES (a Unix socket path).
     */
    public Op connect(int fd, MemorySegment address, int length) {
        checked(address, 0, length, false);
        Op op = table.acquire(Opcode.CONNECT);
        op.fd = fd;
        op.addr = address.address();
        op.off = length;
        op.keepAlive = address;
        return op;
    }

    /**
     * {@code IORING_OP_ACCEPT} (5.5): the next connection on listening socket {@code fd}, with
     * accept4(2)'s {@code flags} ({@code SOCK_CLOEXEC}); result is its fd. The peer's address is
     * not asked for: it is read with getpeername(2) when, and only when, someone wants it.
     * Errors: EMFILE/ENFILE (out of descriptors: the connection waits in the backlog), EINVAL
     * (not listening), ENOTSOCK, ECONNABORTED.
     */
    public Op accept(int fd, int flags) {
        Op op = table.acquire(Opcode.ACCEPT);
        op.fd = fd;
        op.opFlags = flags;
        return op;
    }

    /**
     * {@link #accept} with {@code IORING_ACCEPT_MULTISHOT} (5.19): one SQE, then one completion per
     * connection, each flagged {@link Op#hasMore()} while it stays armed; its completions go to an
     * {@link OpWaiter}. An error (EMFILE, ...) ends it: re-arm to continue.
     */
    public Op acceptMultishot(int fd, int flags) {
        Op op = accept(fd, flags);
        op.ioprio = ACCEPT_MULTISHOT;
        return op;
    }

    /**
     * {@code IORING_OP_RECV} (5.6): receives up to {@code length} bytes from socket {@code fd} into
     * {@code segment} at {@code offset}, with recv(2)'s {@code flags}; result is the count, 0 when
     * the peer shut down its sending half (or {@code length} is 0). Errors: ECONNRESET, ENOTCONN,
     * ENOTSOCK, ECANCELED.
     */
    public Op recv(int fd, MemorySegment segment, long offset, int length, int flags) {
        return socketIo(Opcode.RECV, fd, checked(segment, offset, length, true), offset, length, flags);
    }

    /**
     * {@code IORING_OP_SEND} (5.6): sends up to {@code length} bytes of {@code segment} from
     * {@code offset} on socket {@code fd}, with send(2)'s {@code flags} (add {@code MSG_NOSIGNAL}
     * to get EPIPE rather than SIGPIPE); result is the count, possibly short. Errors: EPIPE,
     * ECONNRESET, ENOTCONN, EMSGSIZE.
     */
    public Op send(int fd, MemorySegment segment, long offset, int length, int flags) {
        return socketIo(Opcode.SEND, fd, checked(segment, offset, length, false), offset, length, flags);
    }

    /**
     * {@code IORING_OP_SEND_ZC} (6.0): {@link #send} without copying the data into the kernel.
     * The op completes for its waiter with the count; the kernel may read {@code segment} until a
     * second, notification CQE, and until then the op, and the memory it keeps reachable, is not
     * recycled. Errors as {@link #send}, and EOPNOTSUPP where the socket cannot send from user
     * memory (then no notification follows).
     */
    public Op sendZc(int fd, MemorySegment segment, long offset, int length, int flags) {
        return socketIo(Opcode.SEND_ZC, fd, checked(segment, offset, length, false), offset, length, flags);
    }

    /** {@link #recv} into a pooled buffer, lent to the kernel until the op's last completion. */
    public Op recv(int fd, Buffer buffer, long offset, int length, int flags) {
        return lendSocket(Opcode.RECV, fd, buffer, offset, length, flags);
    }

    /** {@link #send} from a pooled buffer, lent to the kernel until the op's last completion. */
    public Op send(int fd, Buffer buffer, long offset, int length, int flags) {
        return lendSocket(Opcode.SEND, fd, buffer, offset, length, flags);
    }

    /** {@link #sendZc} from a pooled buffer, lent to the kernel until the notification CQE. */
    public Op sendZc(int fd, Buffer buffer, long offset, int length, int flags) {
        return lendSocket(Opcode.SEND_ZC, fd, buffer, offset, length, flags);
    }

    private Op lendSocket(int opcode, int fd, Buffer buffer, long offset, int length, int flags) {
        Op op = lend(opcode, fd, buffer, offset, length, 0);
        op.opFlags = flags;
        return op;
    }

    private Op socketIo(int opcode, int fd, MemorySegment segment, long offset, int length, int flags) {
        Op op = readWrite(opcode, fd, segment, offset, length, 0);
        op.opFlags = flags;
        return op;
    }

    /**
     * {@code IORING_OP_SENDMSG} (5.3): sends one message, as sendmsg(2) with {@code flags}: the
     * data {@code msg}'s iovec names, to its {@linkplain MsgHdr#destination destination} (or the
     * connected peer); result is the count. For datagram sockets this is one datagram, sent whole.
     * Errors: EMSGSIZE (larger than the protocol allows), ECONNREFUSED (a connected UDP socket
     * whose peer answered an earlier datagram with "port unreachable"), EDESTADDRREQ (no
     * destination and not connected), ENETUNREACH/EHOSTUNREACH, EAFNOSUPPORT (an address of
     * another family than the socket's), EPIPE/ECONNRESET (stream sockets).
     *
     * <p>The header is lent to the kernel with the op and goes back to its pool after the last
     * completion; so does the memory its iovec names.
     *
     * @throws IllegalStateException when the header is already named by another op
     */
    public Op sendmsg(int fd, MsgHdr msg, int flags) {
        return message(Opcode.SENDMSG, fd, msg.checked(false), flags);
    }

    /**
     * {@code IORING_OP_RECVMSG} (5.3): receives one message into the buffer {@code msg}'s iovec
     * names, as recvmsg(2) with {@code flags}; result is the count. Before the waiter hears of
     * it, the sender's address is copied where {@link MsgHdr#senderInto} asked, and a datagram
     * longer than the buffer, which the kernel truncates ({@code MSG_TRUNC}), fails with EMSGSIZE
     * (the buffer then holds its first bytes, and the rest is lost) rather than passing for a
     * short one. Errors: EMSGSIZE, ECONNREFUSED (a connected UDP socket whose earlier datagram
     * was refused), ENOTCONN, ECONNRESET, ECANCELED.
     *
     * @throws IllegalStateException when the header is already named by another op
     */
    public Op recvmsg(int fd, MsgHdr msg, int flags) {
        return message(Opcode.RECVMSG, fd, msg.checked(true), flags);
    }

    private Op message(int opcode, int fd, MsgHdr msg, int flags) {
        Op op = table.acquire(opcode);
        op.fd = fd;
        op.addr = msg.address();
        op.len = 1;
        op.opFlags = flags;
        op.keepAlive = msg;
        return op;
    }

    /**
     * {@code IORING_OP_SPLICE} (5.7): moves up to {@code length} bytes from {@code fdIn} to
     * {@code fdOut} inside the kernel, as splice(2) with {@code flags} ({@link #SPLICE_F_MOVE},
     * {@link #SPLICE_F_MORE}); one of the two must be a pipe. An offset is a file position, or
     * {@link #CURRENT_POSITION} (always so for a pipe or a socket). The result is the count moved,
     * possibly short, 0 at the end of {@code fdIn}; no user memory is involved. The kernel runs it
     * in its io-wq threads, where it may block (a socket with no room), until done or cancelled.
     * Errors: EINVAL (neither fd is a pipe, or an offset given for a pipe), ESPIPE, EBADF, EPIPE
     * and ECONNRESET (a socket whose peer is gone), EAGAIN (a non-blocking fd had no data or
     * room), ECANCELED.
     */
    public Op splice(int fdIn, long offsetIn, int fdOut, long offsetOut, int length, int flags) {
        if (length < 0) {
            throw new IllegalArgumentException("splice length must not be negative, got " + length);
        }
        Op op = table.acquire(Opcode.SPLICE);
        op.fd = fdOut;
        op.off = offsetOut;
        op.addr = offsetIn;
        op.len = length;
        op.opFlags = flags;
        op.spliceFdIn = fdIn;
        return op;
    }

    /**
     * {@code IORING_OP_SHUTDOWN} (5.11): shuts down the reading ({@code SHUT_RD}), writing
     * ({@code SHUT_WR}) or both halves of socket {@code fd}; result 0. Errors: ENOTCONN, ENOTSOCK.
     */
    public Op shutdown(int fd, int how) {
        Op op = table.acquire(Opcode.SHUTDOWN);
        op.fd = fd;
        op.len = how;
        return op;
    }

    /**
     * Refuses memory whose arena is already closed. kio keeps a segment reachable until its op's
     * last completion, but cannot stop its owner from closing the arena while the op is in the
     * kernel: that is the caller's to avoid, as with any memory lent to the kernel.
     */
    static void alive(MemorySegment segment, String what) {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("the arena of the segment" + what + " is closed: " + segment);
        }
    }

    private static MemorySegment checked(MemorySegment segment, long offset, int length, boolean kernelWrites) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (!segment.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; got a heap segment " + segment);
        }
        alive(segment, "");
        if (kernelWrites && segment.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment " + segment);
        }
        return segment;
    }

    /**
     * {@link #ready(int)} for a refused {@code opcode}: an error message built from it names that
     * operation (with its {@link Op#target}), e.g. a read refused before submission because its
     * buffer breaks an O_DIRECT alignment.
     */
    public Op ready(int result, int opcode) {
        Op op = table.ready(result);
        op.opcode = opcode;
        return op;
    }
}
