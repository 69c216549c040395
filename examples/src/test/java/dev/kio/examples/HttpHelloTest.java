package dev.kio.examples;

import static dev.kio.examples.HttpHello.BAD_REQUEST;
import static dev.kio.examples.HttpHello.HELLO;
import static dev.kio.examples.HttpHello.HELLO_CLOSE;
import static dev.kio.examples.HttpHello.HELLO_KEEP_ALIVE;
import static dev.kio.examples.HttpHelloSelfTest.GET;
import static dev.kio.examples.HttpHelloSelfTest.expect;
import static dev.kio.examples.HttpHelloSelfTest.expectClosed;
import static dev.kio.examples.HttpHelloSelfTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kio.runtime.worker.IoPool;

/**
 * The server on real loopback sockets, driven by blocking JDK sockets: every response is compared
 * byte for byte, every close is observed, and each test ends with the server's sessions over and
 * the process's descriptors back to what they were.
 */
@Timeout(60)
class HttpHelloTest {
    private static final Duration IDLE = Duration.ofMillis(300);

    private static IoPool pool;
    private static HttpHello hello;
    /** A second server on the same workers, for the idle-timeout tests. */
    private static HttpHello impatient;

    private int connections;
    private List<String> fdsBefore;

    @BeforeAll
    static void startServers() throws Exception {
        pool = IoPool.builder().workers(2).pin(false).start();
        hello = HttpHello.start(pool, HttpHello.Settings.defaults());
        impatient = HttpHello.start(pool, HttpHello.Settings.defaults().withIdleTimeout(IDLE));
        // Loads what the first connection needs (JDK socket classes and their descriptors for good).
        try (Socket s = HttpHelloSelfTest.connect(hello.address())) {
            send(s, GET);
            expect(s, HELLO);
        }
        assertTrue(hello.awaitSessionsEnded(1, HttpHelloSelfTest.CLIENT_TIMEOUT));
    }

    @AfterAll
    static void stopServers() throws Exception {
        impatient.close();
        hello.close();
        pool.close();
    }

    @BeforeEach
    void recordFds() throws Exception {
        fdsBefore = OpenFds.list();
    }

    /** Every session of the test ended, the worker still serves, and no descriptor is left open. */
    @AfterEach
    void sessionsEndedAndNoFdLeft() throws Exception {
        assertTrue(hello.awaitSessionsEnded(connections, HttpHelloSelfTest.CLIENT_TIMEOUT),
                "the server's sessions did not all end");
        List<String> after = OpenFds.list();
        assertEquals(fdsBefore.size(), after.size(),
                () -> "open fds changed across the test\nbefore: " + fdsBefore + "\nafter:  " + after);
        HttpHello.WorkerStats[] stats = hello.stats();
        assertEquals(0, Arrays.stream(stats).mapToLong(HttpHello.WorkerStats::failed).sum(),
                () -> Arrays.stream(stats).map(HttpHello.WorkerStats::lastFailure).toList().toString());
    }

    private Socket connect() throws Exception {
        connections++;
        return HttpHelloSelfTest.connect(hello.address());
    }

    private static void write(Socket s, byte[] bytes, int from, int to) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(bytes, from, to - from);
        out.flush();
    }

    @Test
    void keepAliveConnectionAnswersEachRequestInTurn() throws Exception {
        try (Socket s = connect()) {
            for (int i = 0; i < 5; i++) {
                send(s, "GET /" + i + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n");
                expect(s, HELLO);
            }
        }
    }

    @Test
    void sixteenPipelinedRequestsAreAnsweredInOrderInFull() throws Exception {
        // Alternating HTTP/1.1 and HTTP/1.0 keep-alive requests get different responses, so the order shows.
        StringBuilder requests = new StringBuilder();
        StringBuilder responses = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            boolean old = i % 3 == 1;
            requests.append(old ? "GET /" + i + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                    : "GET /" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
            responses.append(old ? HELLO_KEEP_ALIVE : HELLO);
        }
        try (Socket s = connect()) {
            send(s, requests.toString());
            expect(s, responses.toString());
            send(s, GET);
            expect(s, HELLO);
        }
    }

    @Test
    void pipelinedRequestsBeyondOneSendBufferAreAllAnswered() throws Exception {
        // 2,000 responses are about 160 KiB, ten times the send buffer: answered in several sends, none lost.
        String request = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        try (Socket s = connect()) {
            Thread.ofVirtual().start(() -> {
                try {
                    send(s, request.repeat(2_000));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            expect(s, HELLO_KEEP_ALIVE.repeat(2_000));
        }
    }

    @Test
    void requestSplitAtEveryByteBoundaryIsAnsweredOnce() throws Exception {
        byte[] two = ("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" + GET)
                .getBytes(StandardCharsets.ISO_8859_1);
        try (Socket s = connect()) {
            for (int split = 1; split < two.length; split++) {
                write(s, two, 0, split);
                // Gives the server time to receive the first part on its own.
                Thread.sleep(1);
                write(s, two, split, two.length);
                expect(s, HELLO + HELLO);
            }
        }
    }

    @Test
    void contentLengthBodyIsSkippedAcrossReceives() throws Exception {
        // A body of 40 KiB made of requests: were it parsed instead of skipped, it would get 200s of its own.
        String body = GET.repeat(40 * 1024 / GET.length());
        try (Socket s = connect()) {
            send(s, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length() + "\r\n\r\n");
            byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
            for (int at = 0; at < bytes.length; at += 7_000) {
                write(s, bytes, at, Math.min(bytes.length, at + 7_000));
            }
            send(s, GET);
            expect(s, HELLO + HELLO);
            send(s, GET);
            expect(s, HELLO);
        }
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n" + GET);
            expect(s, HELLO_CLOSE);
            expectClosed(s);
        }
    }

    @Test
    void connectionCloseIsHonouredAfterTheResponse() throws Exception {
        try (Socket s = connect()) {
            send(s, GET + "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + GET);
            expect(s, HELLO + HELLO_CLOSE);
            expectClosed(s);
        }
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("malformed request line", "GET/ HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("malformed header", "GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n"),
                Arguments.of("whitespace before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n"),
                Arguments.of("bad version", "GET / HTTP/3.0\r\nHost: h\r\n\r\n"),
                Arguments.of("bare CR", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"),
                Arguments.of("bare LF", "GET / HTTP/1.1\nHost: h\n\n"),
                Arguments.of("transfer-encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("missing host", "GET / HTTP/1.1\r\n\r\n"),
                Arguments.of("binary garbage", "\u0000\u0001\u0002\u00ff\r\n\r\n"),
                Arguments.of("oversized head", "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(8 * 1024) + "\r\n\r\n"),
                Arguments.of("oversized head without an end", "GET /" + "a".repeat(20 * 1024)),
                Arguments.of("too many headers", "GET / HTTP/1.1\r\nHost: h\r\n" + "X: y\r\n".repeat(100) + "\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestGetsExactly400AndAClose(String what, String request) throws Exception {
        try (Socket s = connect()) {
            // The good request before it is answered first; the one after it never is.
            send(s, GET + request + GET);
            expect(s, HELLO + BAD_REQUEST);
            expectClosed(s);
        }
        try (Socket s = connect()) {
            send(s, GET);
            expect(s, HELLO);
        }
    }

    @Test
    void idleClientIsClosedByTheTimeout() throws Exception {
        try (Socket silent = HttpHelloSelfTest.connect(impatient.address());
                Socket stalled = HttpHelloSelfTest.connect(impatient.address())) {
            long start = System.nanoTime();
            send(stalled, "GET / HTTP/1.1\r\nHo");
            expectClosed(silent);
            expectClosed(stalled);
            long waited = System.nanoTime() - start;
            assertTrue(waited >= IDLE.toNanos() * 9 / 10, "closed after " + waited / 1_000_000 + " ms");
        }
        try (Socket s = HttpHelloSelfTest.connect(impatient.address())) {
            send(s, GET);
            expect(s, HELLO);
        }
        assertTrue(impatient.awaitSessionsEnded(3, HttpHelloSelfTest.CLIENT_TIMEOUT));
        assertEquals(2, Arrays.stream(impatient.stats()).mapToLong(HttpHello.WorkerStats::timedOut).sum());
    }

    @Test
    void selfTestPassesAndSaysWhatItVerified() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        boolean passed = HttpHelloSelfTest.run(new PrintStream(text, true, StandardCharsets.UTF_8), pool,
                HttpHello.Settings.defaults());
        String output = text.toString(StandardCharsets.UTF_8);
        assertTrue(passed, output);
        assertEquals(3, output.lines().filter(l -> l.startsWith("  verified: ")).count(), output);
        assertTrue(output.endsWith("self-test passed\n"), output);
    }
}
