package dev.kio.examples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.worker.IoPool;

/**
 * The command line and the life of the HTTP example servers as programs: {@code [--host 127.0.0.1]
 * [--port 8080] [--workers N] [--seconds S] [--idle-timeout S] [--self-test]}, plus {@code --root DIR}
 * for a server that serves files. A malformed argument exits with 64 after the usage, a machine
 * without io_uring with 2 after the reason and the fix.
 */
final class ServerCommand {
    private final String program;
    private final String usage;
    String host = "127.0.0.1";
    int port = 8080;
    int workers;
    long seconds;
    long idleSeconds = HttpHello.Settings.defaults().idleTimeout().toSeconds();
    boolean selfTest;
    /** The directory to serve, when the program takes {@code --root}; null if not given. */
    Path root;

    private ServerCommand(String program, String usage) {
        this.program = program;
        this.usage = usage;
    }

    /**
     * Parses {@code args}; {@code --root} is an option only when {@code withRoot}.
     *
     * @param usage the program's arguments as the usage line shows them
     */
    static ServerCommand parse(String program, String usage, boolean withRoot, String[] args) {
        ServerCommand c = new ServerCommand(program, usage);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--self-test")) {
                c.selfTest = true;
                continue;
            }
            if (i + 1 == args.length) {
                c.usage("missing value after " + option);
            }
            String value = args[++i];
            switch (option) {
                case "--host" -> c.host = value;
                case "--port" -> c.port = (int) c.number(option, value, 0, 65535);
                case "--workers" -> c.workers = (int) c.number(option, value, 1, 1024);
                case "--seconds" -> c.seconds = c.number(option, value, 1, Long.MAX_VALUE / 1_000_000_000L);
                case "--idle-timeout" -> c.idleSeconds = c.number(option, value, 1, Long.MAX_VALUE / 1_000_000_000L);
                case "--root" -> {
                    if (!withRoot) {
                        c.usage("unknown option " + option);
                    }
                    c.root = Path.of(value);
                }
                default -> c.usage("unknown option " + option);
            }
        }
        return c;
    }

    HttpHello.Settings settings() {
        return HttpHello.Settings.defaults().withIdleTimeout(Duration.ofSeconds(idleSeconds));
    }

    InetSocketAddress address() throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Starts the pool asked for; exits with 2 when io_uring cannot be used here. */
    IoPool startPool() {
        if (!IoUring.isAvailable()) {
            unavailable(IoUring.unavailabilityCause().orElseThrow());
        }
        IoPool.Builder builder = IoPool.builder();
        if (workers > 0) {
            builder.workers(workers);
        }
        try {
            return builder.start();
        } catch (RingSetupException e) {
            unavailable(e);
            return null;
        }
    }

    /**
     * Runs {@code server} (which starts a server, waits on the given {@link Stop}, then stops it and
     * the pool) and keeps the JVM from halting on SIGINT or SIGTERM until it has returned.
     */
    void serve(Server server) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // The JVM halts once its shutdown hooks return: hold this one until the pool has stopped.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kio-" + program + "-stop"));
        try {
            server.run(() -> {
                if (seconds > 0) {
                    stop.await(seconds, TimeUnit.SECONDS);
                } else {
                    stop.await();
                }
            });
        } finally {
            stopped.countDown();
        }
    }

    /** How a program serves: start, {@link Stop#await}, stop. */
    interface Server {
        void run(Stop stop) throws Exception;
    }

    /** Waits for SIGINT, SIGTERM or the end of {@code --seconds}. */
    interface Stop {
        void await() throws InterruptedException;
    }

    /** How the server says when it stops, for its first line. */
    String stopsWhen() {
        return seconds > 0 ? "stopping after " + seconds + " s" : "Ctrl-C or SIGTERM stops it";
    }

    private long number(String option, String value, long min, long max) {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // reported below, with the usage
        }
        usage(option + " takes a number from " + min + " to " + max + ", got \"" + value + "\"");
        return 0;
    }

    void usage(String problem) {
        System.err.println(program + ": " + problem);
        System.err.println("usage: " + program + " " + usage);
        System.exit(64);
    }

    private static void unavailable(RingSetupException cause) {
        System.err.println("kio: io_uring is not available here (" + cause.errnoName() + "): " + cause.reason());
        System.err.println("fix: " + cause.fix());
        System.exit(2);
    }
}
