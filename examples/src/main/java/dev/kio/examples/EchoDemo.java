package dev.kio.examples;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * kio's main demo ({@code scripts/demo [clients] [messages] [bytes | min-max]}): a multi-worker TCP echo
 * server ({@link EchoServer}) on a pool with one pinned worker per allowed CPU, and concurrent
 * echo clients ({@link EchoClient}) on the same workers, all written as flows. Every echoed byte
 * is checked; the report says how many connections each worker served (the kernel's
 * {@code SO_REUSEPORT} hash decides which worker accepts a connection).
 *
 * <p>Exit status: 0 when every byte came back and every session ended cleanly, 1 otherwise,
 * 2 when io_uring is unavailable, 64 for a malformed argument.
 */
public final class EchoDemo {
    static final Duration SESSION_END_TIMEOUT = Duration.ofSeconds(5);

    private EchoDemo() {
    }

    /**
     * What a run verified.
     *
     * @param sessionsPerWorker    server sessions run, by worker index
     * @param bytesEchoedPerWorker bytes the server sent back, by worker index
     * @param failures             what went wrong, one line each; empty when the run passed
     */
    public record Report(int workers, int clients, int messages, int minSize, int maxSize, long bytesVerified,
            long[] sessionsPerWorker, long[] bytesEchoedPerWorker, List<String> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }

    }

    public static void main(String[] args) throws Exception {
        int clients = intArg(args, 0, 8, 1);
        int messages = intArg(args, 1, 100, 0);
        int[] sizes = sizesArg(args, 2, 1024);
        if (!IoUring.isAvailable()) {
            unavailable(IoUring.unavailabilityCause().orElseThrow());
            System.exit(2);
        }
        Report report;
        try {
            report = run(System.out, clients, messages, sizes[0], sizes[1]);
        } catch (RingSetupException e) {
            unavailable(e);
            System.exit(2);
            return;
        }
        System.exit(report.passed() ? 0 : 1);
    }

    /** Argument {@code i}, {@code dflt} when absent; exits with a usage line when it is not a number from {@code min}. */
    private static int intArg(String[] args, int i, int dflt, int min) {
        if (args.length <= i) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(args[i]);
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException notANumber) {
            // reported by usage
        }
        return usage(args, i);
    }

    /** Argument {@code i} as {@code bytes} or {@code min-max}: the message sizes {min, max}. */
    private static int[] sizesArg(String[] args, int i, int dflt) {
        if (args.length <= i) {
            return new int[] {dflt, dflt};
        }
        String[] range = args[i].split("-", -1);
        try {
            int min = Integer.parseInt(range[0]);
            int max = range.length == 2 ? Integer.parseInt(range[1]) : min;
            if (range.length <= 2 && min >= 1 && max >= min) {
                return new int[] {min, max};
            }
        } catch (NumberFormatException notANumber) {
            // reported by usage
        }
        usage(args, i);
        return null;
    }

    private static int usage(String[] args, int i) {
        System.err.println("usage: EchoDemo [clients >= 1] [messages >= 0] [bytes per message >= 1, or min-max];"
                + " got \"" + args[i] + "\" as argument " + (i + 1));
        System.exit(64);
        return 0;
    }

    private static void unavailable(RingSetupException cause) {
        System.err.println("kio: io_uring is not available here (" + cause.errnoName() + "): " + cause.reason());
        System.err.println("fix: " + cause.fix());
    }

    /**
     * Starts a pool and the echo server on an ephemeral loopback port, runs {@code clients}
     * clients at once (client {@code i} on worker {@code i % workers}), each exchanging
     * {@code messages} messages of {@code minSize..maxSize} bytes (sizes chosen by
     * {@link EchoClient#messageSize}), waits for the server's sessions to end,
     * closes the server and the pool, and prints what was verified to {@code out}.
     *
     * @throws RingSetupException when a worker's ring cannot be set up
     */
    public static Report run(PrintStream out, int clients, int messages, int minSize, int maxSize)
            throws Exception {
        List<String> failures = new ArrayList<>();
        long verified = 0;
        EchoServer.WorkerStats[] stats;
        int workers;
        long start = System.nanoTime();
        try (IoPool pool = IoPool.builder().start(); EchoServer server = EchoServer.start(pool, 0)) {
            workers = pool.size();
            InetSocketAddress address = server.address();
            out.printf("kio echo demo: echo server on %s:%d, one listener per worker on %d worker(s)%n",
                    address.getAddress().getHostAddress(), address.getPort(), workers);
            out.printf("%d client(s) x %d message(s) x %s bytes, client i on worker i %% %d%n", clients, messages,
                    minSize == maxSize ? minSize : minSize + ".." + maxSize, workers);
            EchoClient client = new EchoClient_Kio();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Long>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    Worker w = pool.worker(i % workers);
                    int id = i;
                    results.add(threads.submit(() -> w.syncWait(EchoClient_Kio.exchange(client, address, id, messages,
                            minSize, maxSize))));
                }
                for (int i = 0; i < clients; i++) {
                    try {
                        verified += results.get(i).get();
                    } catch (ExecutionException e) {
                        failures.add("client " + i + ": " + e.getCause());
                    }
                }
            }
            if (!server.awaitSessionsEnded(clients, SESSION_END_TIMEOUT)) {
                failures.add("the server's sessions did not all end within " + SESSION_END_TIMEOUT.toSeconds()
                        + " s of their clients closing");
            }
            stats = server.stats();
        }
        // Read the counts once the pool's threads are gone: their last writes are visible then.
        long took = System.nanoTime() - start;
        long[] sessions = Arrays.stream(stats).mapToLong(EchoServer.WorkerStats::sessions).toArray();
        long[] echoed = Arrays.stream(stats).mapToLong(EchoServer.WorkerStats::bytes).toArray();
        for (int w = 0; w < workers; w++) {
            EchoServer.WorkerStats s = stats[w];
            out.printf("  worker %d: %d session(s), %d bytes echoed%n", w, s.sessions(), s.bytes());
            if (s.failed() > 0) {
                failures.add("worker " + w + ": " + s.failed() + " session(s) failed, the last with: "
                        + s.lastFailure());
            }
        }
        long served = Arrays.stream(sessions).sum();
        long totalEchoed = Arrays.stream(echoed).sum();
        long expected = 0;
        for (int c = 0; c < clients; c++) {
            for (int m = 0; m < messages; m++) {
                expected += EchoClient.messageSize(c, m, minSize, maxSize);
            }
        }
        if (served != clients) {
            failures.add("the server ran " + served + " session(s) for " + clients + " client(s)");
        }
        if (verified != expected || totalEchoed != expected) {
            failures.add("expected " + expected + " bytes, clients verified " + verified + " and the server echoed "
                    + totalEchoed);
        }
        Report report = new Report(workers, clients, messages, minSize, maxSize, verified, sessions, echoed,
                List.copyOf(failures));
        if (report.passed()) {
            out.printf(Locale.ROOT, "server and pool closed. verified %d connection(s), %d message(s), %d bytes"
                    + " echoed and checked in %.1f ms%n", clients, (long) clients * messages, verified, took / 1e6);
        } else {
            out.println("server and pool closed. ECHO DEMO FAILED:");
            failures.forEach(f -> out.println("  " + f));
        }
        return report;
    }
}
