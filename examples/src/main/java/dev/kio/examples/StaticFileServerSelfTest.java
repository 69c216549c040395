package dev.kio.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import dev.kio.runtime.worker.IoPool;

/**
 * {@code StaticFileServer --self-test}: serves a temporary directory on a free loopback port and
 * fetches from it with a plain blocking client: a page, a 10 MiB file compared byte for byte, a
 * missing file, traversal attempts, a HEAD, and pipelined GETs. Its client serves the tests too.
 */
final class StaticFileServerSelfTest {
    static final int BIG = 10 << 20;

    private StaticFileServerSelfTest() {
    }

    /** One response as the client read it. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        /** A header's value by its lower-case name, or null. */
        String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The bytes of a request for {@code target} with {@code method}, HTTP/1.1. */
    static String request(String method, String target) {
        return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    /**
     * Reads one response: its head, then a body of {@code Content-Length} bytes unless it answers
     * a HEAD. Fails if the stream ends first.
     */
    static Response read(Socket s, boolean head) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder text = new StringBuilder();
        while (text.length() < 4 || !text.substring(text.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the server closed after " + HttpHelloSelfTest.printable(text.toString()));
            }
            text.append((char) b);
        }
        String[] lines = text.substring(0, text.length() - 4).split("\r\n");
        if (!lines[0].startsWith("HTTP/1.1 ") || lines[0].length() < 12) {
            throw new AssertionError("not a status line: " + HttpHelloSelfTest.printable(lines[0]));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : Arrays.asList(lines).subList(1, lines.length)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.get("content-length"));
        byte[] body = head ? new byte[0] : in.readNBytes(length);
        if (body.length != (head ? 0 : length)) {
            throw new AssertionError("the body ended after " + body.length + " of " + length + " bytes");
        }
        return new Response(Integer.parseInt(lines[0].substring(9, 12)), headers, body);
    }

    /** Sends a request and reads its response. */
    static Response fetch(Socket s, String method, String target) throws IOException {
        HttpHelloSelfTest.send(s, request(method, target));
        return read(s, method.equals("HEAD"));
    }

    /** Fails unless {@code r} has {@code status} and, when not null, {@code body}. */
    static void expect(Response r, int status, byte[] body) {
        if (r.status() != status) {
            throw new AssertionError("expected status " + status + " but got " + r.status() + " " + r.headers());
        }
        if (body != null && !Arrays.equals(r.body(), body)) {
            throw new AssertionError("the body differs from the file's " + body.length + " bytes (got "
                    + r.body().length + ", first difference at " + Arrays.mismatch(r.body(), body) + ")");
        }
    }

    /** {@code n} bytes of a seeded random sequence: a file whose every byte is worth checking. */
    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt();
        }
        return bytes;
    }

    /** Removes a directory tree this class made. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Runs the checks against a server on {@code pool}, printing each; true when all held. */
    static boolean run(PrintStream out, IoPool pool, HttpHello.Settings settings) throws Exception {
        List<String> failures = new ArrayList<>();
        Path root = Files.createTempDirectory("kio-static-");
        try {
            byte[] index = "<!doctype html><title>kio</title><p>served by kio\n".getBytes(StandardCharsets.UTF_8);
            byte[] css = "p { color: teal }\n".getBytes(StandardCharsets.UTF_8);
            byte[] big = randomBytes(BIG, 8);
            Files.write(root.resolve(StaticFileServer.INDEX), index);
            Files.write(root.resolve("style.css"), css);
            Files.write(root.resolve("big.bin"), big);
            try (StaticFileServer server = StaticFileServer.start(pool, root, settings)) {
                InetSocketAddress address = server.address();
                out.printf("kio static file server self-test: %s on http://127.0.0.1:%d/ with %d worker(s)%n",
                        root, address.getPort(), pool.size());
                HttpHelloSelfTest.check(out, failures, "GET / serves index.html as text/html", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        Response r = fetch(s, "GET", "/");
                        expect(r, 200, index);
                        if (!r.header("content-type").startsWith("text/html")) {
                            throw new AssertionError("Content-Type " + r.header("content-type"));
                        }
                    }
                });
                HttpHelloSelfTest.check(out, failures, "GET of a 10 MiB file, spliced, arrives byte for byte", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        expect(fetch(s, "GET", "/big.bin"), 200, big);
                    }
                });
                HttpHelloSelfTest.check(out, failures, "a missing file gets 404, and the connection still serves", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        expect(fetch(s, "GET", "/missing.html"), 404, null);
                        expect(fetch(s, "GET", "/style.css"), 200, css);
                    }
                });
                HttpHelloSelfTest.check(out, failures, "/../etc/passwd and /%2e%2e/%2e%2e/etc/passwd get 403", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        expect(fetch(s, "GET", "/../etc/passwd"), 403, null);
                        expect(fetch(s, "GET", "/%2e%2e/%2e%2e/etc/passwd"), 403, null);
                    }
                });
                HttpHelloSelfTest.check(out, failures, "HEAD gives the 10 MiB file's length and no body", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        Response r = fetch(s, "HEAD", "/big.bin");
                        expect(r, 200, null);
                        if (!r.header("content-length").equals(Integer.toString(BIG))) {
                            throw new AssertionError("Content-Length " + r.header("content-length"));
                        }
                        // Had a body followed, this would read it as the next response.
                        expect(fetch(s, "GET", "/style.css"), 200, css);
                    }
                });
                HttpHelloSelfTest.check(out, failures, "3 pipelined GETs in one write are answered in order", () -> {
                    try (Socket s = HttpHelloSelfTest.connect(address)) {
                        HttpHelloSelfTest.send(s, request("GET", "/style.css") + request("GET", "/big.bin")
                                + request("GET", "/index.html"));
                        expect(read(s, false), 200, css);
                        expect(read(s, false), 200, big);
                        expect(read(s, false), 200, index);
                    }
                });
                if (!server.awaitSessionsEnded(6, HttpHelloSelfTest.CLIENT_TIMEOUT)) {
                    failures.add("the server's sessions did not all end");
                }
            }
        } finally {
            delete(root);
        }
        return HttpHelloSelfTest.report(out, failures);
    }
}
