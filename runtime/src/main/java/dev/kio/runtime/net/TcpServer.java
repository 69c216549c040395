package dev.kio.runtime.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A stream server on a pool: every connection it accepts runs as a session, a task the
 * {@link ConnHandler} returns, on the worker that accepted it.
 *
 * <p><b>TCP</b> (IPv4 or IPv6), {@link Acceptors#PER_WORKER} (the default): each worker has
 * its own listening socket on the same address with {@code SO_REUSEPORT}, and its own multishot
 * accept ({@code IORING_ACCEPT_MULTISHOT}, 5.19); the kernel spreads incoming connections over
 * the workers by a hash of the connection's addresses, so no worker hands connections to
 * another. Port 0 picks a free port for the first listener and the others join it
 * ({@link #address()} tells which). {@link Acceptors#ROUND_ROBIN}: one listener, on worker 0,
 * hands the connections it accepts to the workers in turn, for an even spread when a few
 * connections would hash unevenly, at the cost of a cross-worker hand-off per connection.
 *
 * <p><b>Unix domain</b> stream sockets have no {@code SO_REUSEPORT}: one listener, on worker 0,
 * accepts every connection and serves it itself, or with {@link Acceptors#ROUND_ROBIN} hands it
 * to the workers in turn. The socket file is created by bind (it must not exist) and removed by
 * {@link #close()}.
 *
 * <p>Running out of descriptors at accept (EMFILE) is survived: see {@link Listener}.
 * {@link #close()} stops accepting and closes the listening sockets; sessions already running
 * are left to finish (they own their connections).
 */
public final class TcpServer implements AutoCloseable {
    /** How a server's connections reach the workers. */
    public enum Acceptors {
        /** A listener per worker ({@code SO_REUSEPORT}; one on worker 0 for Unix sockets), each serving what it accepts. */
        PER_WORKER,
        /** One listener, on worker 0, handing connections to the pool's workers in turn. */
        ROUND_ROBIN
    }

    final IoPool pool;
    final SocketAddress address;
    final SocketOptions options;
    final Acceptors acceptors;
    final ConnHandler handler;
    private final List<Listener> listeners = new ArrayList<>();
    private boolean closed;

    private TcpServer(IoPool pool, SocketAddress address, SocketOptions options, Acceptors acceptors,
            ConnHandler handler) {
        this.pool = pool;
        this.address = address;
        this.options = options;
        this.acceptors = acceptors;
        this.handler = handler;
    }

    /**
     * Listens on {@code address} (an {@link InetSocketAddress} with a resolved address, or a
     * {@link UnixDomainSocketAddress}) and starts accepting on the pool's workers. From any thread.
     *
     * @throws OpException when socket, setsockopt, bind or listen fails (EADDRINUSE, EACCES,
     *                     EMFILE...), naming the call and the address; nothing is left open then
     */
    public static TcpServer start(IoPool pool, SocketAddress address, SocketOptions options, ConnHandler handler)
            throws OpException {
        return start(pool, address, options, Acceptors.PER_WORKER, handler);
    }

    /** {@link #start(IoPool, SocketAddress, SocketOptions, ConnHandler) start} with a choice of {@link Acceptors}. */
    public static TcpServer start(IoPool pool, SocketAddress address, SocketOptions options, Acceptors acceptors,
            ConnHandler handler) throws OpException {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(acceptors, "acceptors");
        int family = SockAddr.family(Objects.requireNonNull(address, "address"));
        boolean unix = family == SockAddr.AF_UNIX;
        int count = unix || acceptors == Acceptors.ROUND_ROBIN ? 1 : pool.size();
        List<Integer> fds = new ArrayList<>();
        SocketAddress bound = address;
        try {
            for (int i = 0; i < count; i++) {
                int fd = Sockets.listen(bound, options, count > 1);
                fds.add(fd);
                if (i == 0 && !unix) {
                    bound = Sockets.name(fd, false);
                }
            }
        } catch (OpException | RuntimeException e) {
            fds.forEach(dev.kio.runtime.sys.Native::close);
            throw e;
        }
        TcpServer server = new TcpServer(pool, bound, options, acceptors, handler);
        for (int i = 0; i < count; i++) {
            Worker w = pool.worker(i);
            Listener l = new Listener(server, w, fds.get(i), family);
            server.listeners.add(l);
            w.execute(l::arm);
        }
        return server;
    }

    /** The address the listeners are bound to, with the actual port when 0 was asked for. */
    public SocketAddress address() {
        return address;
    }

    /** The TCP port the server listens on; -1 for a Unix domain socket. */
    public int port() {
        return address instanceof InetSocketAddress inet ? inet.getPort() : -1;
    }

    /** How many accepts were armed, over all listeners: one each at start, one per re-arm after a failure. */
    public long acceptArms() {
        return listeners.stream().mapToLong(l -> l.arms).sum();
    }

    /** How many connections were accepted on each worker's listener, by listener. */
    public long[] acceptedPerListener() {
        return listeners.stream().mapToLong(l -> l.accepted).toArray();
    }

    /**
     * Stops accepting, closes the listening sockets (waiting up to a second for their workers to
     * let go of them) and removes a Unix socket's file. Running sessions continue. From a plain
     * thread; idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (Listener l : listeners) {
            try {
                l.worker().execute(l::stop);
            } catch (RejectedExecutionException stopped) {
                l.closeAfterWorkerStopped();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        boolean interrupted = false;
        for (Listener l : listeners) {
            try {
                if (!l.closed.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    l.closeAfterWorkerStopped();
                }
            } catch (InterruptedException e) {
                // Still close every socket; the caller learns of the interrupt from its flag.
                interrupted = true;
                l.closeAfterWorkerStopped();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            Files.deleteIfExists(unix.getPath());
        }
    }

    @Override
    public String toString() {
        return "server " + SockAddr.format(address) + " (" + listeners.size() + " listener(s))";
    }
}
