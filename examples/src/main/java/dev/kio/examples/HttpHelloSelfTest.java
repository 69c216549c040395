package dev.kio.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.kio.runtime.worker.IoPool;

/**
 * {@code HttpHello --self-test}: starts the server on a free loopback port and checks it with a
 * plain blocking client: a keep-alive sequence, 16 pipelined requests, and a malformed request,
 * each response compared byte for byte. Its helpers serve the tests too.
 */
final class HttpHelloSelfTest {
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private HttpHelloSelfTest() {
    }

    /** Runs the checks against a server on {@code pool}, printing each; true when all held. */
    static boolean run(PrintStream out, IoPool pool, HttpHello.Settings settings) throws Exception {
        List<String> failures = new ArrayList<>();
        try (HttpHello hello = HttpHello.start(pool, settings)) {
            InetSocketAddress address = hello.address();
            out.printf("kio HTTP hello self-test: server on http://127.0.0.1:%d/ with %d worker(s)%n",
                    address.getPort(), pool.size());
            check(out, failures, "3 requests on one keep-alive connection, each answered before the next", () -> {
                try (Socket s = connect(address)) {
                    for (int i = 0; i < 3; i++) {
                        send(s, GET);
                        expect(s, HttpHello.HELLO);
                    }
                }
            });
            check(out, failures, "16 pipelined requests in one write, answered in order", () -> {
                try (Socket s = connect(address)) {
                    send(s, GET.repeat(16));
                    expect(s, HttpHello.HELLO.repeat(16));
                }
            });
            check(out, failures, "a malformed header line gets 400 Bad Request and a close", () -> {
                try (Socket s = connect(address)) {
                    send(s, "GET / HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n");
                    expect(s, HttpHello.BAD_REQUEST);
                    expectClosed(s);
                }
            });
            if (!hello.awaitSessionsEnded(3, CLIENT_TIMEOUT)) {
                failures.add("the server's sessions did not all end");
            }
        }
        return report(out, failures);
    }

    /** Prints the outcome of a self-test; true when nothing failed. */
    static boolean report(PrintStream out, List<String> failures) {
        if (failures.isEmpty()) {
            out.println("self-test passed");
        } else {
            out.println("SELF-TEST FAILED:");
            failures.forEach(f -> out.println("  " + f));
        }
        return failures.isEmpty();
    }

    interface Check {
        void run() throws IOException;
    }

    /** Runs one check, printing it when it held and noting it in {@code failures} when not. */
    static void check(PrintStream out, List<String> failures, String what, Check check) {
        try {
            check.run();
            out.println("  verified: " + what);
        } catch (IOException | AssertionError e) {
            failures.add(what + ": " + e);
        }
    }

    static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) CLIENT_TIMEOUT.toMillis());
            s.setSoTimeout((int) CLIENT_TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static void send(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads exactly {@code bytes} bytes. */
    static byte[] read(Socket s, int bytes) throws IOException {
        return s.getInputStream().readNBytes(bytes);
    }

    /** Reads {@code expected}'s length in bytes and fails unless they are {@code expected}. */
    static void expect(Socket s, String expected) throws IOException {
        String got = new String(read(s, expected.length()), StandardCharsets.ISO_8859_1);
        if (!got.equals(expected)) {
            throw new AssertionError("expected " + printable(expected) + " but got " + printable(got));
        }
    }

    /** Fails unless the server ends the connection cleanly (end of stream, not a reset), with nothing more sent. */
    static void expectClosed(Socket s) throws IOException {
        int b = s.getInputStream().read();
        if (b != -1) {
            throw new AssertionError("expected the server to close, but it sent 0x" + Integer.toHexString(b) + " more");
        }
    }

    static String printable(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
