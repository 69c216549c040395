package dev.kio.benchmarks.peers;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * What the JVM peers share around their servers: the command line ({@code MODE PORT THREADS}),
 * the {@code READY <port>} line, and the exit on SIGTERM.
 */
final class PeerMain {
    /** The suite's two protocols. */
    enum Mode {
        ECHO, HTTP
    }

    /** A parsed {@code MODE PORT THREADS}: the protocol, the loopback port (0 picks one) and the I/O threads. */
    record Args(Mode mode, int port, int threads) {
        static Args parse(String peer, String[] args) {
            if (args.length != 3) {
                throw usage(peer, "expected 3 arguments, got " + args.length);
            }
            Mode mode = switch (args[0]) {
                case "echo" -> Mode.ECHO;
                case "http" -> Mode.HTTP;
                default -> throw usage(peer, "MODE must be echo or http, got '" + args[0] + "'");
            };
            int port = number(peer, "PORT", args[1]);
            int threads = number(peer, "THREADS", args[2]);
            if (port > 65535 || threads < 1) {
                throw usage(peer, "PORT must be 0..65535 and THREADS at least 1, got " + port + " and " + threads);
            }
            return new Args(mode, port, threads);
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }

        private static int number(String peer, String what, String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw usage(peer, what + " must be a number, got '" + text + "'");
            }
        }

        private static IllegalArgumentException usage(String peer, String problem) {
            return new IllegalArgumentException(problem + "; usage: " + peer + " echo|http PORT THREADS");
        }
    }

    /** A started server: the port it listens on, and how it stops. */
    interface Server extends Closeable {
        int port();
    }

    private PeerMain() {
    }

    /**
     * Announces {@code server} with {@code READY <port>} and serves until SIGTERM, which closes it
     * and exits with status 0 (not the JVM's 143): the runner tells a clean stop from a crash by it.
     * A shutdown hook halts, so a tool that writes its output in its own shutdown hook (JFR's dump
     * on exit) may be cut short; read such figures before the stop.
     */
    static void serve(Server server) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            int status = 0;
            try {
                server.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("closing the server failed: " + e);
                status = 1;
            }
            System.out.flush();
            Runtime.getRuntime().halt(status);
        }));
        System.out.println("READY " + server.port());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
