package dev.kio.runtime.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;

import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Worker;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Socket set-up through plain system calls (socket, setsockopt, bind, listen), which never block. */
final class Sockets {
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SHUT_RD = 0;
    static final int SHUT_WR = 1;
    static final int MSG_NOSIGNAL = 0x4000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_KEEPALIVE = 9;
    private static final int SO_LINGER = 13;
    private static final int SO_REUSEPORT = 15;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;

    private Sockets() {
    }

    /** Sets {@code options} on socket {@code fd} of {@code family}; a refusal throws naming the option and {@code target}. */
    static void apply(int fd, int family, SocketOptions options, Object target) throws OpException {
        boolean tcp = family != SockAddr.AF_UNIX;
        if (tcp && options.noDelay()) {
            check(Native.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), "setsockopt(TCP_NODELAY)", target);
        }
        if (tcp && options.keepAlive()) {
            check(Native.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1), "setsockopt(SO_KEEPALIVE)", target);
        }
        if (options.receiveBuffer() > 0) {
            check(Native.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, options.receiveBuffer()), "setsockopt(SO_RCVBUF)", target);
        }
        if (options.sendBuffer() > 0) {
            check(Native.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, options.sendBuffer()), "setsockopt(SO_SNDBUF)", target);
        }
        if (options.lingerSeconds() >= 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment linger = arena.allocate(8);
                linger.set(JAVA_INT, 0, 1);
                linger.set(JAVA_INT, 4, options.lingerSeconds());
                check(Native.setsockopt(fd, SOL_SOCKET, SO_LINGER, linger), "setsockopt(SO_LINGER)", target);
            }
        }
    }

    /** An int socket option at level SOL_SOCKET: its value or {@code -errno}. */
    static int socketOption(int fd, int name) {
        return Native.getsockopt(fd, SOL_SOCKET, name);
    }

    /**
     * A listening socket bound to {@code address}, with {@code SO_REUSEPORT} when {@code reusePort}
     * (one listener per worker, the kernel spreading connections over them).
     */
    static int listen(SocketAddress address, SocketOptions options, boolean reusePort) throws OpException {
        int family = SockAddr.family(address);
        String what = "listener " + SockAddr.format(address);
        int fd = check(Native.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket", what);
        try (Arena arena = Arena.ofConfined()) {
            if (family != SockAddr.AF_UNIX) {
                check(Native.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1), "setsockopt(SO_REUSEADDR)", what);
                if (reusePort) {
                    check(Native.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 1), "setsockopt(SO_REUSEPORT)", what);
                }
            }
            apply(fd, family, options, what);
            MemorySegment sockaddr = arena.allocate(SockAddr.MAX_BYTES);
            check(Native.bind(fd, sockaddr, SockAddr.encode(address, sockaddr)), "bind", what);
            check(Native.listen(fd, options.backlog()), "listen", what);
            return fd;
        } catch (OpException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /** The local ({@code peer} false) or remote address of socket {@code fd}; null when the kernel has none (ENOTCONN). */
    static SocketAddress name(int fd, boolean peer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SockAddr.MAX_BYTES);
            int length = Native.socketName(fd, peer, sockaddr);
            return length < 0 ? null : SockAddr.decode(sockaddr, length);
        }
    }

    /**
     * The ops of {@code worker}, the one socket {@code what} belongs to, refusing a call from any
     * other thread or on a closed socket.
     */
    static Ops opsOn(Worker worker, String op, Object what, boolean closed) {
        Worker here = Worker.current();
        if (here != worker) {
            throw new IllegalStateException(op + " on " + what + " must run on its " + worker + ", not on "
                    + (here == null ? "thread " + Thread.currentThread().getName() : here.toString()));
        }
        if (closed) {
            throw new IllegalStateException(op + " on " + what + ": the socket is closed");
        }
        return here.ops();
    }

    /** {@code rc}, or the typed error for {@code -errno}. */
    static int check(int rc, String operation, Object target) throws OpException {
        if (rc < 0) {
            throw new OpException(-rc, Errno.name(-rc), Errno.describe(-rc), operation, String.valueOf(target));
        }
        return rc;
    }
}
