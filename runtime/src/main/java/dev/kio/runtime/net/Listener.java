package dev.kio.runtime.net;

import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Worker;

/**
 * One worker's listening socket with a multishot accept armed on it: each connection becomes a
 * {@link Conn} on this worker and its session is spawned here, or, for a
 * {@link TcpServer.Acceptors#ROUND_ROBIN} server, on the pool's workers in turn. Confined to the
 * worker's thread, except for the counters and {@link #closed}.
 *
 * <p>When accept fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
 * pending connections stay in the kernel's backlog; the accept is re-armed after a timer that
 * doubles from {@value #FIRST_BACKOFF_MS} ms up to {@value #MAX_BACKOFF_MS} ms while the failures
 * last, never by retrying at once, so a process out of descriptors costs no CPU and resumes
 * serving by itself once descriptors are free.
 */
final class Listener implements OpWaiter {
    private static final System.Logger LOG = System.getLogger("dev.kio.runtime.net");
    static final long FIRST_BACKOFF_MS = 10;
    static final long MAX_BACKOFF_MS = 1000;
    private static final int ECONNABORTED = 103;

    private final TcpServer server;
    private final Worker worker;
    private final int fd;
    private final int family;
    private final OpWaiter backoffDone = this::afterBackoff;
    final CountDownLatch closed = new CountDownLatch(1);
    private long acceptToken;
    private long backoffToken;
    private boolean accepting;
    private boolean backingOff;
    private boolean stopping;
    private boolean fdClosed;
    private long backoffMs;
    private int turn;
    volatile long arms;
    volatile long accepted;

    Listener(TcpServer server, Worker worker, int fd, int family) {
        this.server = server;
        this.worker = worker;
        this.fd = fd;
        this.family = family;
    }

    /** Arms the multishot accept; on the listener's worker. */
    void arm() {
        if (stopping) {
            return;
        }
        Ops ops = worker.ops();
        Op op = ops.acceptMultishot(fd, Sockets.SOCK_CLOEXEC).target(this);
        acceptToken = op.token();
        accepting = true;
        arms++;
        ops.table().submit(op, this);
    }

    @Override
    public void onComplete(Op op) {
        int res = op.result();
        if (res >= 0) {
            backoffMs = 0;
            accepted++;
            if (stopping) {
                Native.close(res);
            } else {
                serve(res);
            }
        }
        if (op.hasMore()) {
            return;
        }
        accepting = false;
        if (stopping || res == -Errno.ECANCELED) {
            // Stopped, by this listener or by its worker's stop.
            closeFd();
        } else if (res >= 0 || res == -ECONNABORTED || res == -Errno.EINTR) {
            // Ended with a connection (the CQ overflowed) or by a connection that went away: carry on.
            arm();
        } else if (res == -Errno.EMFILE || res == -Errno.ENFILE || res == -Errno.ENOBUFS || res == -Errno.ENOMEM) {
            backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            Ops ops = worker.ops();
            Op sleep = ops.sleep(backoffMs * 1_000_000);
            backoffToken = sleep.token();
            backingOff = true;
            ops.table().submit(sleep, backoffDone);
            if (backoffMs == FIRST_BACKOFF_MS || backoffMs == MAX_BACKOFF_MS) {
                warnOutOfDescriptors(res);
            }
        } else {
            LOG.log(Level.ERROR, "accept on {0} failed: {1} ({2}); the listener stops", this, Errno.name(-res),
                    Errno.describe(-res));
            closeFd();
        }
    }

    /**
     * Out of descriptors, a first log record can fail itself (the logging back end opens files
     * as it loads: time-zone data, its configuration): that must not stop the listener or its
     * worker, whose back-off timer is already armed.
     */
    private void warnOutOfDescriptors(int res) {
        try {
            LOG.log(Level.WARNING, "accept on {0} failed: {1} ({2}); retrying every {3} ms at most until it succeeds",
                    this, Errno.name(-res), Errno.describe(-res), backoffMs);
        } catch (RuntimeException | Error unwritable) {
            // Nothing else can report it: the back-off itself is the behaviour that matters.
        }
    }

    private void afterBackoff(Op timer) {
        backingOff = false;
        if (stopping || timer.outcome() != dev.kio.runtime.op.Outcome.OK) {
            closeFd();
        } else {
            arm();
        }
    }

    private void serve(int connFd) {
        if (server.acceptors == TcpServer.Acceptors.PER_WORKER) {
            open(worker, connFd);
            return;
        }
        Worker target = server.pool.worker(turn);
        turn = (turn + 1) % server.pool.size();
        if (target == worker) {
            open(worker, connFd);
            return;
        }
        try {
            target.execute(() -> open(target, connFd));
        } catch (RejectedExecutionException stopping) {
            LOG.log(Level.WARNING, "connection fd {0} closed: {1} is stopping", connFd, target);
            Native.close(connFd);
        }
    }

    /** Makes the connection a {@link Conn} of {@code on} and starts its session; on that worker. */
    private void open(Worker on, int connFd) {
        Conn conn = new Conn(connFd, on, family, server.options, Sockets.name(connFd, true), true);
        try {
            Sockets.apply(connFd, family, server.options, conn);
            on.spawn(server.handler.accept(conn));
        } catch (Exception e) {
            LOG.log(Level.ERROR, "connection " + conn + " closed: setting it up failed", e);
            Native.close(connFd);
        }
    }

    /** Stops accepting and closes the socket once no accept or timer is in the kernel; on the listener's worker. */
    void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (accepting) {
            worker.cancel(acceptToken);
        } else if (backingOff) {
            worker.cancel(backoffToken);
        } else {
            closeFd();
        }
    }

    /** Closes the socket from any thread once its worker has stopped and the kernel holds nothing of it. */
    void closeAfterWorkerStopped() {
        closeFd();
    }

    private synchronized void closeFd() {
        if (!fdClosed) {
            fdClosed = true;
            Native.close(fd);
            closed.countDown();
        }
    }

    Worker worker() {
        return worker;
    }

    SocketAddress address() {
        return Sockets.name(fd, false);
    }

    @Override
    public String toString() {
        return "listener " + SockAddr.format(server.address) + " on " + worker;
    }
}
