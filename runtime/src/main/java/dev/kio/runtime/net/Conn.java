package dev.kio.runtime.net;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

import dev.kio.Task;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.MultishotReceive;
import dev.kio.runtime.buf.ProvidedBuffers;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.op.IoVecs;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.worker.Worker;

/**
 * A connected stream socket (TCP over IPv4 or IPv6, or a Unix domain stream socket) and the
 * worker it belongs to: the one that accepted it, or the one that connected it. Every operation
 * on it runs on that worker; called on another thread they throw.
 *
 * <p>The single operations ({@link #recv}, {@link #send}, {@link #readv}, {@link #writev},
 * {@link #shutdownInput}, {@link #shutdownOutput}, {@link #close}) are {@link Op}s to await in a
 * flow: they allocate nothing. {@link #sendAll} and {@link #recvExactly} are pooled tasks that loop
 * over short transfers, and {@link #sendFile} splices a file to the socket. A {@link Buffer} named by an op stays lent to the kernel until the op's
 * last completion, even if the op times out or is cancelled, so releasing it meanwhile is safe.
 *
 * <p>Errors are {@link dev.kio.OpException}s naming the errno, the operation and the connection,
 * e.g. {@code send(tcp 127.0.0.1:41234 -> 127.0.0.1:8080) failed: ECONNRESET (...)}; the text, and
 * the addresses in it, are worked out only when an op fails. Sends pass {@code MSG_NOSIGNAL}: a
 * peer that is gone is an EPIPE error, never a SIGPIPE.
 */
public final class Conn {
    private final Worker worker;
    private final int family;
    private final SocketOptions options;
    private int fd;
    private SocketAddress peer;
    private SocketAddress local;
    private boolean connected;
    private boolean closed;

    Conn(int fd, Worker worker, int family, SocketOptions options, SocketAddress peer, boolean connected) {
        this.fd = fd;
        this.worker = worker;
        this.family = family;
        this.options = options;
        this.peer = peer;
        this.connected = connected;
    }

    public int fd() {
        return fd;
    }

    /** The worker every operation on this connection runs on. */
    public Worker worker() {
        return worker;
    }

    /** Whether this is a Unix domain socket rather than TCP. */
    public boolean isUnix() {
        return family == SockAddr.AF_UNIX;
    }

    /** The peer's address, read from the kernel (getpeername) on first use; null if the kernel no longer knows it. */
    public SocketAddress peerAddress() {
        if (peer == null && fd >= 0) {
            peer = Sockets.name(fd, true);
        }
        return peer;
    }

    /** This end's address, read from the kernel (getsockname) on first use. */
    public SocketAddress localAddress() {
        if (local == null && fd >= 0 && connected) {
            local = Sockets.name(fd, false);
        }
        return local;
    }

    /** Receives up to {@code buffer}'s capacity into it; the result is the count, 0 when the peer has shut down its sending half. */
    public Op recv(Buffer buffer) {
        return recv(buffer, 0, buffer.capacity());
    }

    /** Receives up to {@code length} bytes into {@code buffer} at {@code offset}. */
    public Op recv(Buffer buffer, int offset, int length) {
        return ops("recv").recv(fd, buffer, offset, length, 0).target(this);
    }

    /** Receives up to {@code length} bytes into native {@code segment} at {@code offset}. */
    public Op recv(MemorySegment segment, long offset, int length) {
        return ops("recv").recv(fd, segment, offset, length, 0).target(this);
    }

    /** Sends the first {@code length} bytes of {@code buffer}; the result is the count sent, possibly short. */
    public Op send(Buffer buffer, int length) {
        return send(buffer, 0, length);
    }

    /**
     * Sends {@code length} bytes of {@code buffer} from {@code offset}: {@code SEND_ZC} from the
     * options' zero-copy threshold up (the buffer stays lent until the kernel's notification that
     * it no longer reads it), {@code SEND} below.
     */
    public Op send(Buffer buffer, int offset, int length) {
        Ops ops = ops("send");
        Op op = zeroCopy(ops, length) ? ops.sendZc(fd, buffer, offset, length, Sockets.MSG_NOSIGNAL)
                : ops.send(fd, buffer, offset, length, Sockets.MSG_NOSIGNAL);
        return op.target(this);
    }

    /** Sends {@code length} bytes of native {@code segment} from {@code offset}, as {@link #send(Buffer, int, int)}. */
    public Op send(MemorySegment segment, long offset, int length) {
        Ops ops = ops("send");
        Op op = zeroCopy(ops, length) ? ops.sendZc(fd, segment, offset, length, Sockets.MSG_NOSIGNAL)
                : ops.send(fd, segment, offset, length, Sockets.MSG_NOSIGNAL);
        return op.target(this);
    }

    private boolean zeroCopy(Ops ops, int length) {
        int threshold = options.zeroCopyThreshold();
        return threshold > 0 && length >= threshold && ops.table().ring().supports(Opcode.SEND_ZC);
    }

    /** Receives into the buffers of {@code vecs}, in order ({@link Ops#readv}). */
    public Op readv(IoVecs vecs) {
        return ops("readv").readv(fd, vecs, Ops.CURRENT_POSITION).target(this);
    }

    /** Sends the buffers of {@code vecs}, in order ({@link Ops#writev}); the count may be short. */
    public Op writev(IoVecs vecs) {
        return ops("writev").writev(fd, vecs, Ops.CURRENT_POSITION).target(this);
    }

    /**
     * Receives {@code length} bytes into {@code segment} at {@code offset}, looping over short
     * receives; fails with {@link java.io.EOFException} if the peer stops sending first.
     */
    public Task<Void> recvExactly(MemorySegment segment, long offset, long length) {
        return Transfer.start(this, false, segment, offset, length, null);
    }

    /**
     * {@link #recvExactly(MemorySegment, long, long) recvExactly} within {@code timeout} overall:
     * each receive carries the time left as its link timeout. Fails with
     * {@link dev.kio.OpTimedOutException} (ETIMEDOUT) naming the bytes received by then, which
     * are in {@code segment}; the connection stays open.
     */
    public Task<Void> recvExactly(MemorySegment segment, long offset, long length, Duration timeout) {
        return Transfer.start(this, false, segment, offset, length, Objects.requireNonNull(timeout, "timeout"));
    }

    /** Sends {@code length} bytes of {@code segment} from {@code offset}, looping over short sends. */
    public Task<Void> sendAll(MemorySegment segment, long offset, long length) {
        return Transfer.start(this, true, segment, offset, length, null);
    }

    /** {@link #sendAll(MemorySegment, long, long) sendAll} within {@code timeout} overall, as {@link #recvExactly(MemorySegment, long, long, Duration)}. */
    public Task<Void> sendAll(MemorySegment segment, long offset, long length, Duration timeout) {
        return Transfer.start(this, true, segment, offset, length, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Sends {@code length} bytes of {@code file} from file position {@code position}, with no copy
     * through user memory: file to a pipe to the socket, two {@code IORING_OP_SPLICE}s (5.7) per
     * chunk of up to 64 KiB, looping over short splices. The pipe is the task's own and is closed
     * when it ends, however it ends. Fails with an {@link dev.kio.OpException} naming the errno
     * and the connection (EPIPE or ECONNRESET when the peer goes away) or the file, or with
     * {@link java.io.EOFException} if the file ends first. The file may belong to another worker:
     * only its descriptor is used, on this connection's worker; it must stay open until the task
     * ends.
     */
    public Task<Void> sendFile(KioFile file, long position, long length) {
        return SendFile.start(this, file.fd(), file, position, length, null);
    }

    /**
     * {@link #sendFile(KioFile, long, long) sendFile} within {@code timeout} overall, as
     * {@link #recvExactly(MemorySegment, long, long, Duration)}: a peer that stops reading fails it
     * with {@link dev.kio.OpTimedOutException} (ETIMEDOUT) naming the bytes sent by then.
     */
    public Task<Void> sendFile(KioFile file, long position, long length, Duration timeout) {
        return SendFile.start(this, file.fd(), file, position, length, Objects.requireNonNull(timeout, "timeout"));
    }

    /** {@link #sendFile(KioFile, long, long)} from an open file descriptor, named {@code fd N} in errors. */
    public Task<Void> sendFile(int fd, long position, long length) {
        return SendFile.start(this, fd, null, position, length, null);
    }

    /**
     * Keeps a multishot receive armed on this connection ({@link MultishotReceive}): every chunk
     * arrives in a buffer of {@code group}, which must be registered with this worker's ring.
     */
    public MultishotReceive recvMultishot(ProvidedBuffers group, MultishotReceive.Handler handler) {
        return MultishotReceive.start(ops("recv"), fd, group, handler);
    }

    /** Shuts down the receiving half: further receives return 0; the peer may still be sent to. */
    public Op shutdownInput() {
        return ops("shutdown").shutdown(fd, Sockets.SHUT_RD).target(this);
    }

    /** Shuts down the sending half: the peer reads end of stream, and can still send back. */
    public Op shutdownOutput() {
        return ops("shutdown").shutdown(fd, Sockets.SHUT_WR).target(this);
    }

    /**
     * Closes the socket. The connection counts as closed from then on, even if the kernel reports
     * an error (the descriptor is released either way), so it is never closed twice.
     */
    public Op close() {
        Ops ops = ops("close");
        Op op = ops.close(fd).target(this);
        closed = true;
        return op;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Called once a connect succeeded. */
    void connected() {
        connected = true;
    }

    void fd(int fd) {
        this.fd = fd;
    }

    /** The calling worker's ops, refusing a call off this connection's worker or after close. */
    Ops ops(String op) {
        return Sockets.opsOn(worker, op, this, closed);
    }

    /** How errors name the connection: {@code tcp 127.0.0.1:41234 -> 127.0.0.1:8080}, or {@code unix -> /run/x.sock} while connecting. */
    @Override
    public String toString() {
        SocketAddress here = closed ? local : localAddress();
        SocketAddress there = closed ? peer : peerAddress();
        return (isUnix() ? "unix " : "tcp ") + (here == null ? "" : SockAddr.format(here) + " ") + "-> "
                + SockAddr.format(there);
    }

    /**
     * Sends {@code length} bytes of {@code buffer} from {@code offset}, then closes the socket: one
     * submission of {@code SEND} with {@code MSG_WAITALL} (the kernel keeps sending until every
     * byte is out or the connection fails) hard-linked ({@code IOSQE_IO_HARDLINK}, 5.5) to
     * {@code CLOSE}, which runs whatever the send did. Await the returned op, the chain's close:
     * 0 once both succeeded; a failed send throws its own error (naming {@code send} and this
     * connection), the socket being closed all the same. A connection that breaks after part of the
     * data went out is reported by the kernel as the count it sent, not as an error. The connection
     * counts as closed from this call on; the buffer stays lent until the send's completion.
     */
    public Op sendAndClose(Buffer buffer, int offset, int length) {
        Ops ops = ops("send");
        Op send = ops.send(fd, buffer, offset, length, Sockets.MSG_NOSIGNAL | MSG_WAITALL).target(this);
        return send.hardlink(close());
    }

    private static final int MSG_WAITALL = 0x100;
}
