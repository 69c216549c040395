package dev.kio.runtime.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.op.MsgHdr;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Worker;

/**
 * A UDP socket (IPv4 or IPv6) and the worker it belongs to. Datagrams go out with
 * {@code IORING_OP_SENDMSG} and come in with {@code IORING_OP_RECVMSG} (5.3), each op with a
 * native message header from this socket's pool ({@link MsgHdr}): once the pool holds as many
 * headers as datagrams are in flight at once, sending and receiving allocate nothing. Peers are
 * {@link PeerAddress} holders, reused from datagram to datagram.
 *
 * <p>Every operation is an {@link Op} to await on the socket's worker (elsewhere it throws). A
 * datagram longer than the receive buffer fails with EMSGSIZE rather than arriving cut short.
 * Errors are {@link OpException}s naming the errno, the operation and the socket, e.g.
 * {@code recvmsg(udp 127.0.0.1:41234 -> 127.0.0.1:9) failed: ECONNREFUSED (Connection refused)}.
 */
public final class UdpSocket {
    private static final int SOCK_DGRAM = 2;

    private final Worker worker;
    private final int fd;
    private final MsgHdr.Pool headers = new MsgHdr.Pool();
    private final SocketAddress local;
    private volatile SocketAddress peer;
    private boolean closed;

    private UdpSocket(Worker worker, int fd, SocketAddress local) {
        this.worker = worker;
        this.fd = fd;
        this.local = local;
    }

    /**
     * A UDP socket bound to {@code address} (port 0 picks a free port, see {@link #localAddress()}),
     * owned by {@code worker}. From any thread: socket(2) and bind(2) never block.
     *
     * @throws OpException when socket or bind fails (EADDRINUSE, EADDRNOTAVAIL, EACCES, EMFILE),
     *                     naming the call and the address; nothing is left open then
     */
    public static UdpSocket bind(Worker worker, InetSocketAddress address) throws OpException {
        Objects.requireNonNull(worker, "worker");
        int family = SockAddr.family(Objects.requireNonNull(address, "address"));
        String what = "udp " + SockAddr.format(address);
        int fd = Sockets.check(Native.socket(family, SOCK_DGRAM | Sockets.SOCK_CLOEXEC, 0), "socket", what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SockAddr.MAX_BYTES);
            Sockets.check(Native.bind(fd, sockaddr, SockAddr.encode(address, sockaddr)), "bind", what);
            return new UdpSocket(worker, fd, Sockets.name(fd, false));
        } catch (OpException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /**
     * Sets the default peer ({@code connect(2)}, which for UDP never blocks): {@link #send} goes
     * there, only its datagrams are received, and a "port unreachable" answer from it fails a later
     * send or receive with ECONNREFUSED. Before the socket is used, from any thread.
     */
    public void connect(InetSocketAddress address) throws OpException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SockAddr.MAX_BYTES);
            Sockets.check(Native.connect(fd, sockaddr, SockAddr.encode(address, sockaddr)), "connect",
                    this + " -> " + SockAddr.format(address));
        }
        peer = address;
    }

    public int fd() {
        return fd;
    }

    /** The worker every operation on this socket runs on. */
    public Worker worker() {
        return worker;
    }

    /** The address it is bound to, with the port the kernel picked for port 0. */
    public SocketAddress localAddress() {
        return local;
    }

    /** The default peer set by {@link #connect}, or null. */
    public SocketAddress connectedPeer() {
        return peer;
    }

    /** Sends {@code length} bytes of {@code buffer} from {@code offset} as one datagram to {@code to}. */
    public Op sendTo(Buffer buffer, int offset, int length, PeerAddress to) {
        return message(false, buffer, buffer.segment(), offset, length, checkedPeer(to));
    }

    /** Sends {@code length} bytes of native {@code segment} from {@code offset} as one datagram to {@code to}. */
    public Op sendTo(MemorySegment segment, long offset, int length, PeerAddress to) {
        return message(false, segment, segment, offset, length, checkedPeer(to));
    }

    /** Sends {@code length} bytes of {@code buffer} from {@code offset} as one datagram to the {@linkplain #connect connected} peer. */
    public Op send(Buffer buffer, int offset, int length) {
        return message(false, buffer, buffer.segment(), offset, length, null);
    }

    /** Sends one datagram of native {@code segment} to the {@linkplain #connect connected} peer. */
    public Op send(MemorySegment segment, long offset, int length) {
        return message(false, segment, segment, offset, length, null);
    }

    /**
     * Receives one datagram into {@code buffer} at {@code offset}, at most {@code length} bytes;
     * the result is its length, and {@code from} (if not null) holds its sender once the op
     * completes. A longer datagram fails with EMSGSIZE.
     */
    public Op receive(Buffer buffer, int offset, int length, PeerAddress from) {
        return message(true, buffer, buffer.segment(), offset, length, from);
    }

    /** {@link #receive(Buffer, int, int, PeerAddress)} into native {@code segment}. */
    public Op receive(MemorySegment segment, long offset, int length, PeerAddress from) {
        return message(true, segment, segment, offset, length, from);
    }

    private static PeerAddress checkedPeer(PeerAddress to) {
        if (Objects.requireNonNull(to, "to").isEmpty()) {
            throw new IllegalArgumentException("cannot send to an empty PeerAddress: set it, or receive into it first");
        }
        return to;
    }

    private Op message(boolean receive, Object owner, MemorySegment segment, long offset, int length, PeerAddress peer) {
        Ops ops = Sockets.opsOn(worker, receive ? "recvmsg" : "sendmsg", this, closed);
        MsgHdr msg = headers.take();
        try {
            msg.data(owner, segment, offset, length, receive);
            if (receive) {
                msg.senderInto(peer == null ? null : peer.storage());
                return ops.recvmsg(fd, msg, 0).target(this);
            }
            if (peer != null) {
                msg.destination(peer.storage(), peer.length());
            }
            return ops.sendmsg(fd, msg, Sockets.MSG_NOSIGNAL).target(this);
        } catch (RuntimeException e) {
            msg.abandon();
            throw e;
        }
    }

    /**
     * Closes the socket. It counts as closed from then on, even if the kernel reports an error,
     * so it is never closed twice.
     */
    public Op close() {
        Op op = Sockets.opsOn(worker, "close", this, closed).close(fd).target(this);
        closed = true;
        return op;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** How errors name the socket: {@code udp 127.0.0.1:5000}, or {@code udp 127.0.0.1:5000 -> 127.0.0.1:9} when connected. */
    @Override
    public String toString() {
        SocketAddress there = peer;
        return "udp " + SockAddr.format(local) + (there == null ? "" : " -> " + SockAddr.format(there));
    }
}
