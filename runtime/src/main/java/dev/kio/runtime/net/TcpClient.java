package dev.kio.runtime.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

import dev.kio.Task;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.FrameKind;

/**
 * Outgoing stream connections: TCP over IPv4 or IPv6, or a Unix domain stream socket. The
 * connection belongs to the worker that awaits the task.
 */
public final class TcpClient {
    private TcpClient() {
    }

    /** {@link #connect(SocketAddress, Duration, SocketOptions)} with {@link SocketOptions#defaults()}. */
    public static Task<Conn> connect(SocketAddress address, Duration timeout) {
        return connect(address, timeout, SocketOptions.defaults());
    }

    /**
     * Connects to {@code address}: a socket op ({@code IORING_OP_SOCKET}, or socket(2) before 5.19),
     * the options, then {@code IORING_OP_CONNECT} with a link timeout. A failure closes the socket
     * and throws an {@link dev.kio.OpException} naming the address, e.g.
     * {@code connect(tcp -> 127.0.0.1:1) failed: ECONNREFUSED (Connection refused)}; running out
     * of {@code timeout} throws {@link dev.kio.OpTimedOutException}.
     *
     * @param timeout how long the connect may take; {@link Duration#ZERO} leaves it to the kernel
     *                (about two minutes for an unanswered TCP handshake)
     */
    public static Task<Conn> connect(SocketAddress address, Duration timeout, SocketOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        SockAddr.family(address);
        Connect c = Connect.KIND.idle();
        if (c == null) {
            c = Connect.KIND.adopt(new Connect());
        }
        c.address = address;
        c.timeoutNanos = timeout.toNanos();
        c.options = options;
        return c;
    }

    private static final class Connect extends Frame<Conn> {
        static final FrameKind<Connect> KIND = new FrameKind<>(16);
        /** The encoded peer address, read by the kernel during the connect: owned by this pooled frame. */
        private final MemorySegment sockaddr = Arena.ofAuto().allocate(SockAddr.MAX_BYTES, 8);
        SocketAddress address;
        long timeoutNanos;
        SocketOptions options;
        private Conn conn;
        private Throwable failure;

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    int family = SockAddr.family(address);
                    conn = new Conn(-1, worker(), family, options, address, false);
                    state = 1;
                    if (await(ops().socket(family, Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC, 0).target(conn))) {
                        return;
                    }
                    socketOpened();
                }
                case 1 -> socketOpened();
                case 2 -> {
                    try {
                        result();
                        conn.connected();
                        complete(conn);
                    } catch (Throwable t) {
                        closeAfter(t);
                    }
                }
                default -> throw failure;
            }
        }

        private void socketOpened() throws Throwable {
            conn.fd(result());
            try {
                Sockets.apply(conn.fd(), SockAddr.family(address), options, conn);
                Op op = ops().connect(conn.fd(), sockaddr, SockAddr.encode(address, sockaddr)).target(conn);
                if (timeoutNanos > 0) {
                    op.timeout(timeoutNanos);
                }
                state = 2;
                await(op);
            } catch (Throwable t) {
                closeAfter(t);
            }
        }

        /** Closes the socket of a failed connect, then rethrows why it failed. */
        private void closeAfter(Throwable t) {
            failure = t;
            state = 3;
            await(conn.close());
        }

        @Override
        protected void clear() {
            address = null;
            options = null;
            conn = null;
            failure = null;
        }
    }
}
