package dev.kio.benchmarks.peers;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Proxy;
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
     * and exits with status 0, not the JVM's 143, so a runner tells a clean stop from a crash.
     * The exit is an ordinary {@link System#exit}: the JVM's own shutdown work (JFR's dump on exit,
     * GC logs) still runs.
     */
    static void serve(Server server) throws InterruptedException, ReflectiveOperationException {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                server.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("closing the server failed: " + e);
            }
        }));
        exitZeroOnSigterm();
        System.out.println("READY " + server.port());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /**
     * Replaces the JVM's SIGTERM handler (exit 143) with one that exits 0. Through reflection:
     * {@code sun.misc.Signal} is exported by {@code jdk.unsupported}, but javac warns on every use of
     * it, and that warning cannot be suppressed.
     */
    private static void exitZeroOnSigterm() throws ReflectiveOperationException {
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handler = Class.forName("sun.misc.SignalHandler");
        Object exit = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "handle" -> {
                        System.exit(0);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "exit 0 on SIGTERM";
                });
        signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance("TERM"), exit);
    }
}
