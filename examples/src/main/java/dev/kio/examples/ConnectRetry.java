package dev.kio.examples;

import static dev.kio.Flows.await;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.TcpClient;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Connecting with retry and exponential backoff, as a flow: each attempt is a
 * {@link TcpClient#connect} with its own timeout; after a failure the flow waits on an
 * {@code IORING_OP_TIMEOUT} (no thread sleeps), the wait growing by a factor up to a cap, with
 * optional jitter drawn from a seeded generator, so a given seed always gives the same waits.
 * When every attempt has failed it throws {@link ConnectFailedException}, which lists them.
 *
 * <p>The demo starts an echo server only after a delay, connects to its port before it listens,
 * and prints each refused attempt until one gets through, then exchanges one message:
 *
 * <pre>{@code KIO_DEMO_MAIN=dev.kio.examples.ConnectRetry scripts/demo [refusals-before-listening] [max-attempts]}</pre>
 */
@IoHandler
public abstract class ConnectRetry {
    /**
     * When to retry: the first wait is {@code initialDelay}, each next one {@code factor} times the
     * last, at most {@code maxDelay}, for at most {@code maxAttempts} attempts in all. With
     * {@code jitter} {@code j} (0 to 1) each wait is scaled by a factor drawn uniformly from
     * {@code [1 - j, 1 + j)}, from a generator seeded with {@code seed}, then capped.
     */
    public record Backoff(Duration initialDelay, double factor, Duration maxDelay, int maxAttempts, double jitter,
            long seed) {
        public Backoff {
            if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay, got " + initialDelay + " and "
                        + maxDelay);
            }
            if (!(factor >= 1) || maxAttempts < 1 || !(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("need factor >= 1, maxAttempts >= 1 and jitter in [0, 1], got "
                        + factor + ", " + maxAttempts + ", " + jitter);
            }
        }

        /** No jitter: the waits are exactly initialDelay, initialDelay * factor, ... up to maxDelay. */
        public static Backoff exponential(Duration initialDelay, double factor, Duration maxDelay, int maxAttempts) {
            return new Backoff(initialDelay, factor, maxDelay, maxAttempts, 0, 0);
        }

        /** The generator of one run of attempts: the same seed gives the same waits. */
        SplittableRandom random() {
            return new SplittableRandom(seed);
        }

        /** The wait, in nanoseconds, after failed attempt {@code attempt} (from 1), jittered with {@code random}. */
        long waitNanos(int attempt, SplittableRandom random) {
            double wait = initialDelay.toNanos() * Math.pow(factor, attempt - 1);
            if (jitter > 0) {
                wait *= 1 - jitter + 2 * jitter * random.nextDouble();
            }
            return (long) Math.min(wait, maxDelay.toNanos());
        }
    }

    /** One failed attempt: its number (from 1), why it failed, and how long the flow waited after it (0 after the last). */
    public record Attempt(int number, OpException error, Duration waitedAfter) {
        @Override
        public String toString() {
            return "#" + number + " " + error.errnoName()
                    + (waitedAfter.isZero() ? "" : ", retried after " + waitedAfter.toNanos() / 1e6 + " ms");
        }
    }

    /** Every attempt failed; {@link #attempts()} says how, and the cause is the last attempt's error. */
    public static final class ConnectFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient List<Attempt> attempts;

        ConnectFailedException(SocketAddress address, List<Attempt> attempts) {
            super("connect to " + address + " failed after " + attempts.size() + " attempt(s): " + attempts,
                    attempts.getLast().error());
            this.attempts = List.copyOf(attempts);
        }

        public List<Attempt> attempts() {
            return attempts;
        }
    }

    final Backoff backoff;
    final PrintStream out;
    final Consumer<Attempt> onFailure;

    /**
     * @param onFailure called on the worker after each failed attempt, before the wait (the demo and
     *                  the tests use it to open the listener after a chosen number of failures)
     */
    protected ConnectRetry(Backoff backoff, PrintStream out, Consumer<Attempt> onFailure) {
        this.backoff = backoff;
        this.out = out;
        this.onFailure = onFailure;
    }

    Ops ops() {
        return Worker.current().ops();
    }

    /**
     * Connects to {@code address}, each attempt given {@code timeout}, retrying after each failure
     * (refused, timed out, unreachable...) as the backoff says.
     *
     * @return the connection, on the calling worker
     * @throws ConnectFailedException when the last allowed attempt has failed too
     */
    @Flow
    public Conn connect(SocketAddress address, Duration timeout) throws ConnectFailedException, OpException {
        List<Attempt> failed = new ArrayList<>();
        SplittableRandom random = backoff.random();
        for (int attempt = 1;; attempt++) {
            try {
                Conn conn = await(TcpClient.connect(address, timeout));
                out.printf("  attempt %d connected to %s%n", attempt, address);
                return conn;
            } catch (Exception e) {
                // A task's exception is rethrown as is, checked or not, so javac cannot see the
                // OpException coming: catch broadly and let anything else through.
                if (!(e instanceof OpException)) {
                    throw e;
                }
                boolean last = attempt == backoff.maxAttempts();
                long wait = last ? 0 : backoff.waitNanos(attempt, random);
                Attempt a = new Attempt(attempt, (OpException) e, Duration.ofNanos(wait));
                failed.add(a);
                out.printf("  attempt %d: %s%s%n", attempt, e.getMessage(),
                        last ? "" : String.format("; retrying in %.1f ms", wait / 1e6));
                onFailure.accept(a);
                if (last) {
                    throw new ConnectFailedException(address, failed);
                }
                await(ops().sleep(wait));
            }
        }
    }

    /** Connects with retries, then sends {@code message} and checks its echo; returns the echo. */
    @Flow
    public String connectAndEcho(SocketAddress address, Duration timeout, String message) throws IOException {
        Conn conn = connect(address, timeout);
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sent = arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
            MemorySegment echoed = arena.allocate(bytes.length);
            await(conn.sendAll(sent, 0, bytes.length));
            await(conn.recvExactly(echoed, 0, bytes.length));
            return new String(echoed.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            await(conn.close());
        }
    }

    /** A loopback port nothing listens on now: bound by the kernel's choice, then released. */
    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /**
     * The demo: an echo server that starts listening only once {@code listenAfterFailures} attempts
     * have been refused, and a client that retries until it gets through.
     *
     * @return the echoed message
     */
    public static String run(PrintStream out, int listenAfterFailures, Backoff backoff) throws Throwable {
        int port = freePort();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            EchoServer[] server = new EchoServer[1];
            ConnectRetry client = new ConnectRetry_Kio(backoff, out, failed -> {
                if (failed.number() == listenAfterFailures) {
                    try {
                        server[0] = EchoServer.start(pool, port);
                        out.printf("  (the server now listens on %s)%n", address);
                    } catch (OpException e) {
                        throw new IllegalStateException("cannot start the echo server: " + e.getMessage(), e);
                    }
                }
            });
            try {
                String echo = pool.worker(0).syncWait(ConnectRetry_Kio.connectAndEcho(client, address,
                        Duration.ofSeconds(1), "hello after retries"));
                out.println("  echoed: " + echo);
                return echo;
            } finally {
                if (server[0] != null) {
                    server[0].close();
                }
            }
        }
    }

    public static void main(String[] args) throws Throwable {
        int listenAfter = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int maxAttempts = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Backoff backoff = new Backoff(Duration.ofMillis(50), 2, Duration.ofSeconds(1), maxAttempts, 0.2,
                System.nanoTime());
        System.out.printf("connecting with up to %d attempts; the server listens after %d refusals%n", maxAttempts,
                listenAfter);
        run(System.out, listenAfter, backoff);
    }
}
