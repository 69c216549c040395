package dev.kio.runtime.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.kio.Operation;
import dev.kio.Task;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A pool of unpinned workers for socket tests, the sessions' outcomes as they end (a count of
 * bytes, or the exception), and hand-written session frames of the shape the flow compiler
 * generates.
 */
final class NetPool implements AutoCloseable {
    static final SocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    final IoPool pool;
    /** What each session ended with: its byte count, or its exception. */
    final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();

    private NetPool(IoPool pool) {
        this.pool = pool;
    }

    static NetPool start(int workers) throws RingSetupException {
        return new NetPool(IoPool.builder().workers(workers).pin(false).start());
    }

    /** The next session outcome, failing the test if none comes within 10 s. */
    Object nextOutcome() throws InterruptedException {
        Object o = outcomes.poll(10, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("no session ended within 10 s");
        }
        return o;
    }

    /** Runs the op {@code make} creates on {@code worker}: its result or typed error. */
    int awaitOp(Worker worker, Supplier<Operation> make) throws Exception {
        return worker.syncWait(new Frame<Integer>() {
            @Override
            protected void step() throws Throwable {
                if (state == 0) {
                    state = 1;
                    if (await(make.get())) {
                        return;
                    }
                }
                complete(result());
            }
        });
    }

    /** Awaits the task {@code make} creates, on {@code worker}. */
    <T> T await(Worker worker, Supplier<Task<T>> make) throws Exception {
        return worker.syncWait(new Frame<T>() {
            private Task<T> task;

            @Override
            protected void step() throws Throwable {
                if (state == 0) {
                    task = make.get();
                    state = 1;
                    if (await(task)) {
                        return;
                    }
                }
                complete(resultOf(task));
            }
        });
    }

    /** A server whose sessions echo what they receive until the peer shuts down its sending half. */
    TcpServer echoServer(SocketAddress address, SocketOptions options) throws Exception {
        return TcpServer.start(pool, address, options, conn -> new Echo(conn, 0, outcomes));
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * Echoes into a pooled buffer: receive, then sendAll of what came, until end of stream; then
     * closes. With {@code idleNanos} a receive that waits longer fails with OpTimedOutException
     * and the connection is closed. Reports its byte count, or its exception, to {@code outcomes}.
     */
    static final class Echo extends Frame<Void> {
        private final Conn conn;
        private final long idleNanos;
        private final BlockingQueue<Object> outcomes;
        private Buffer buffer;
        private Task<Void> sending;
        private long total;
        private Throwable failure;

        Echo(Conn conn, long idleNanos, BlockingQueue<Object> outcomes) {
            this.conn = conn;
            this.idleNanos = idleNanos;
            this.outcomes = outcomes;
        }

        @Override
        protected void step() throws Throwable {
            try {
                while (true) {
                    switch (state) {
                        case 0 -> {
                            buffer = worker().buffers().acquire();
                            if (receive()) {
                                return;
                            }
                        }
                        case 1 -> {
                            int n = result();
                            if (n == 0) {
                                state = 3;
                                if (await(conn.close())) {
                                    return;
                                }
                                break;
                            }
                            total += n;
                            sending = conn.sendAll(buffer.segment(), 0, n);
                            state = 2;
                            if (await(sending)) {
                                return;
                            }
                        }
                        case 2 -> {
                            resultOf(sending);
                            if (receive()) {
                                return;
                            }
                        }
                        default -> {
                            buffer.release();
                            outcomes.add(failure != null ? failure : (Object) total);
                            done();
                            return;
                        }
                    }
                }
            } catch (Throwable t) {
                if (state == 3) {
                    throw t;
                }
                failure = t;
                state = 3;
                if (!conn.isClosed() && await(conn.close())) {
                    return;
                }
                step();
            }
        }

        private boolean receive() {
            var op = conn.recv(buffer);
            if (idleNanos > 0) {
                op.timeout(idleNanos);
            }
            state = 1;
            return await(op);
        }
    }

    /** A server that runs {@code steps} as the session of each connection, reporting to {@link #outcomes}. */
    TcpServer scriptServer(SocketAddress address, SocketOptions options, Script.Step... steps) throws Exception {
        return TcpServer.start(pool, address, options, conn -> new Script(conn, java.util.List.of(steps), outcomes));
    }

    /**
     * A session that awaits each step's op or task in turn, then closes the connection (also after
     * a failure) and reports the list of results (an op's count, a task's value or null), or the
     * exception that ended it.
     */
    static final class Script extends Frame<Void> {
        /** One step: an {@link Operation} or a {@link Task} on the connection. */
        interface Step {
            Object start(Conn conn);
        }

        private final Conn conn;
        private final java.util.List<Step> steps;
        private final BlockingQueue<Object> outcomes;
        private final java.util.List<Object> results = new java.util.ArrayList<>();
        private Object pending;
        private int next;
        private Throwable failure;
        private boolean closing;

        Script(Conn conn, java.util.List<Step> steps, BlockingQueue<Object> outcomes) {
            this.conn = conn;
            this.steps = steps;
            this.outcomes = outcomes;
        }

        @Override
        protected void step() throws Throwable {
            while (true) {
                if (state == 1) {
                    state = 0;
                    if (closing) {
                        outcomes.add(failure != null ? failure : results);
                        done();
                        return;
                    }
                    try {
                        results.add(pending instanceof Task<?> t ? resultOf(t) : (Object) result());
                    } catch (Throwable t) {
                        failure = t;
                        next = steps.size();
                    }
                }
                boolean suspended;
                try {
                    if (next < steps.size()) {
                        pending = steps.get(next++).start(conn);
                    } else {
                        closing = true;
                        pending = conn.close();
                    }
                    state = 1;
                    suspended = pending instanceof Task<?> t ? await(t) : await((Operation) pending);
                } catch (Throwable t) {
                    if (closing) {
                        throw t;
                    }
                    failure = t;
                    next = steps.size();
                    state = 0;
                    continue;
                }
                if (suspended) {
                    return;
                }
            }
        }
    }
}
