package dev.kio.examples;

import static dev.kio.examples.HttpHelloSelfTest.expectClosed;
import static dev.kio.examples.HttpHelloSelfTest.send;
import static dev.kio.examples.StaticFileServerSelfTest.expect;
import static dev.kio.examples.StaticFileServerSelfTest.fetch;
import static dev.kio.examples.StaticFileServerSelfTest.read;
import static dev.kio.examples.StaticFileServerSelfTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kio.examples.StaticFileServerSelfTest.Response;
import dev.kio.runtime.worker.IoPool;

/**
 * The server on real loopback sockets and real files in a temporary directory, driven by blocking
 * JDK sockets: every body is compared byte for byte with its file, and each test ends with the
 * server's sessions over, no session failed, and the process's descriptors back to what they were
 * (every file the server opened is closed again).
 */
@Timeout(60)
class StaticFileServerTest {
    private static final byte[] SMALL = "small file\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INDEX = "<p>docs</p>\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SPACED = "{\"spaced\": true}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BIG = StaticFileServerSelfTest.randomBytes(StaticFileServerSelfTest.BIG, 42);

    private static IoPool pool;
    private static Path root;
    private static StaticFileServer server;

    private int connections;
    private List<String> fdsBefore;

    @BeforeAll
    static void serveADirectory() throws Exception {
        root = Files.createTempDirectory("kio-static-test-");
        Files.write(root.resolve("small.txt"), SMALL);
        Files.write(root.resolve("big.bin"), BIG);
        Files.write(root.resolve("empty.txt"), new byte[0]);
        Files.write(root.resolve("a b.json"), SPACED);
        Files.createDirectories(root.resolve("docs"));
        Files.write(root.resolve("docs").resolve(StaticFileServer.INDEX), INDEX);
        Files.createDirectories(root.resolve("bare"));
        pool = IoPool.builder().workers(2).pin(false).start();
        server = StaticFileServer.start(pool, root, HttpHello.Settings.defaults());
        // Loads what the first connection needs (JDK socket classes and their descriptors for good).
        try (Socket s = HttpHelloSelfTest.connect(server.address())) {
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
        assertTrue(server.awaitSessionsEnded(1, HttpHelloSelfTest.CLIENT_TIMEOUT));
    }

    @AfterAll
    static void stopServing() throws Exception {
        server.close();
        pool.close();
        StaticFileServerSelfTest.delete(root);
    }

    @BeforeEach
    void recordFds() throws Exception {
        fdsBefore = OpenFds.list();
    }

    /** Every session of the test ended, none failed, the worker still serves, and no descriptor is left open. */
    @AfterEach
    void sessionsEndedAndNoFdLeft() throws Exception {
        assertTrue(server.awaitSessionsEnded(connections, HttpHelloSelfTest.CLIENT_TIMEOUT),
                "the server's sessions did not all end");
        List<String> after = OpenFds.list();
        assertEquals(fdsBefore.size(), after.size(),
                () -> "open fds changed across the test\nbefore: " + fdsBefore + "\nafter:  " + after);
        StaticFileServer.WorkerStats[] stats = server.stats();
        assertEquals(0, Arrays.stream(stats).mapToLong(StaticFileServer.WorkerStats::failed).sum(),
                () -> Arrays.stream(stats).map(StaticFileServer.WorkerStats::lastFailure).toList().toString());
        assertEquals(0, Arrays.stream(stats).mapToLong(s -> s.responses(500)).sum());
    }

    private Socket connect() throws Exception {
        connections++;
        return HttpHelloSelfTest.connect(server.address());
    }

    @Test
    void smallFileIsServedWithItsLengthTypeAndModificationTime() throws Exception {
        try (Socket s = connect()) {
            Response r = fetch(s, "GET", "/small.txt");
            expect(r, 200, SMALL);
            assertEquals(Integer.toString(SMALL.length), r.header("content-length"));
            assertEquals("text/plain; charset=utf-8", r.header("content-type"));
            assertEquals(StaticFileServer.HTTP_DATE.format(Files.getLastModifiedTime(root.resolve("small.txt"))
                    .toInstant()), r.header("last-modified"));
            assertNull(r.header("connection"));
        }
    }

    @Test
    void tenMebibyteFileArrivesByteForByte() throws Exception {
        try (Socket s = connect()) {
            Response r = fetch(s, "GET", "/big.bin");
            expect(r, 200, BIG);
            assertEquals("application/octet-stream", r.header("content-type"));
        }
    }

    @Test
    void emptyFileGetsAnEmptyBodyAndTheConnectionGoesOn() throws Exception {
        try (Socket s = connect()) {
            expect(fetch(s, "GET", "/empty.txt"), 200, new byte[0]);
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
    }

    @Test
    void headSendsTheHeadOfGetWithoutTheBody() throws Exception {
        try (Socket s = connect()) {
            Response r = fetch(s, "HEAD", "/big.bin");
            expect(r, 200, null);
            assertEquals(Integer.toString(BIG.length), r.header("content-length"));
            // Had any of the body been sent, it would be read here instead of the next response.
            expect(fetch(s, "HEAD", "/missing"), 404, null);
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
    }

    @Test
    void missingFileGets404AndTheConnectionGoesOn() throws Exception {
        try (Socket s = connect()) {
            Response r = fetch(s, "GET", "/no/such/file.txt");
            expect(r, 404, "Not Found\n".getBytes(StandardCharsets.US_ASCII));
            expect(fetch(s, "GET", "/small.txt/below-a-file"), 404, null);
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/docs/../../etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd", "/./docs/%2e%2e/.././etc/passwd"})
    void pathLeavingTheRootIsForbidden(String target) throws Exception {
        try (Socket s = connect()) {
            expect(fetch(s, "GET", target), 403, "Forbidden\n".getBytes(StandardCharsets.US_ASCII));
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
    }

    @Test
    void dotDotThatStaysUnderTheRootAndEscapesAndQueriesAreServed() throws Exception {
        try (Socket s = connect()) {
            expect(fetch(s, "GET", "/docs/../small.txt"), 200, SMALL);
            Response r = fetch(s, "GET", "/a%20b.json?v=1&x=%zz");
            expect(r, 200, SPACED);
            assertEquals("application/json", r.header("content-type"));
        }
    }

    @Test
    void symbolicLinksLeadingOutOfTheRootAreForbiddenAndThoseInsideServed() throws Exception {
        Path outside = Files.createTempDirectory("kio-static-outside-");
        Path links = root.resolve("links");
        try {
            Files.write(outside.resolve("private.txt"), SMALL);
            Files.createDirectories(links);
            Files.createSymbolicLink(links.resolve("file.txt"), outside.resolve("private.txt"));
            Files.createSymbolicLink(links.resolve("dir"), outside);
            Files.createSymbolicLink(links.resolve("inside.txt"), root.resolve("small.txt"));
            Files.createSymbolicLink(links.resolve("up"), root.resolve("docs"));
            try (Socket s = connect()) {
                expect(fetch(s, "GET", "/links/file.txt"), 403, null);
                expect(fetch(s, "GET", "/links/dir/private.txt"), 403, null);
                expect(fetch(s, "HEAD", "/links/dir/private.txt"), 403, null);
                expect(fetch(s, "GET", "/links/inside.txt"), 200, SMALL);
                expect(fetch(s, "GET", "/links/up/"), 200, INDEX);
            }
        } finally {
            StaticFileServerSelfTest.delete(links);
            StaticFileServerSelfTest.delete(outside);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%zz", "/small.txt%2", "/small.txt%00.html", "/%ff", "http://localhost/small.txt"})
    void malformedTargetGets400AndAClose(String target) throws Exception {
        try (Socket s = connect()) {
            expect(fetch(s, "GET", target), 400, "Bad Request\n".getBytes(StandardCharsets.US_ASCII));
            expectClosed(s);
        }
    }

    @Test
    void malformedHeadGets400AndAClose() throws Exception {
        answeredThenRejected("No colon");
    }

    @Test
    void headLongerThanTheMostAcceptedGets400AndAClose() throws Exception {
        answeredThenRejected("X-Long: " + "a".repeat(HttpHello.Settings.defaults().maxHeadBytes()));
    }

    /** A good request then one with {@code field} among its headers: the first is answered, the second refused. */
    private void answeredThenRejected(String field) throws Exception {
        try (Socket s = connect()) {
            send(s, request("GET", "/small.txt") + "GET /small.txt HTTP/1.1\r\nHost: h\r\n" + field + "\r\n\r\n");
            expect(read(s, false), 200, SMALL);
            Response r = read(s, false);
            expect(r, 400, null);
            assertEquals("close", r.header("connection"));
            expectClosed(s);
        }
    }

    @Test
    void unreadableFileGets403() throws Exception {
        Path secret = root.resolve("secret.txt");
        Files.write(secret, SMALL);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        try {
            assumeFalse(Files.isReadable(secret), "running as root, which reads files whatever their permissions");
            try (Socket s = connect()) {
                expect(fetch(s, "GET", "/secret.txt"), 403, null);
                expect(fetch(s, "HEAD", "/secret.txt"), 403, null);
                expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
            }
        } finally {
            Files.delete(secret);
        }
    }

    @Test
    void otherMethodsGet405WithAllowAndTheirBodiesAreSkipped() throws Exception {
        try (Socket s = connect()) {
            send(s, "POST /small.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
            Response r = read(s, false);
            expect(r, 405, "Method Not Allowed\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("GET, HEAD", r.header("allow"));
            expect(fetch(s, "DELETE", "/small.txt"), 405, null);
            expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
        }
    }

    @Test
    void directoryIsServedAsItsIndexAndWithoutOneIsNotFound() throws Exception {
        try (Socket s = connect()) {
            Response r = fetch(s, "GET", "/docs/");
            expect(r, 200, INDEX);
            assertEquals("text/html; charset=utf-8", r.header("content-type"));
            expect(fetch(s, "GET", "/docs"), 200, INDEX);
            expect(fetch(s, "GET", "/"), 404, null);
            expect(fetch(s, "GET", "/bare/"), 404, null);
        }
    }

    @Test
    void pipelinedRequestsForDifferentFilesAreAnsweredInOrder() throws Exception {
        try (Socket s = connect()) {
            send(s, request("GET", "/small.txt") + request("GET", "/big.bin") + request("GET", "/missing")
                    + request("HEAD", "/big.bin") + request("GET", "/empty.txt") + request("POST", "/")
                    + request("GET", "/docs/") + request("GET", "/big.bin") + request("GET", "/small.txt"));
            expect(read(s, false), 200, SMALL);
            expect(read(s, false), 200, BIG);
            expect(read(s, false), 404, null);
            assertEquals(Integer.toString(BIG.length), read(s, true).header("content-length"));
            expect(read(s, false), 200, new byte[0]);
            expect(read(s, false), 405, null);
            expect(read(s, false), 200, INDEX);
            expect(read(s, false), 200, BIG);
            expect(read(s, false), 200, SMALL);
        }
    }

    @Test
    void keepAliveFollowsTheVersionAndConnectionHeader() throws Exception {
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                expect(fetch(s, "GET", "/small.txt"), 200, SMALL);
            }
            send(s, "GET /small.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            Response r = read(s, false);
            expect(r, 200, SMALL);
            assertEquals("keep-alive", r.header("connection"));
            send(s, "GET /small.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            r = read(s, false);
            expect(r, 200, SMALL);
            assertEquals("close", r.header("connection"));
            expectClosed(s);
        }
        try (Socket s = connect()) {
            send(s, "GET /big.bin HTTP/1.0\r\n\r\n");
            expect(read(s, false), 200, BIG);
            expectClosed(s);
        }
    }

    @Test
    void clientClosingMidBodyLeavesNoFileOpenAndTheWorkerServing() throws Exception {
        for (int i = 0; i < 4; i++) {
            try (Socket s = connect()) {
                send(s, request("GET", "/big.bin"));
                InputStream in = s.getInputStream();
                // The head and some body: the server is splicing when the socket closes with bytes unread (a reset).
                assertEquals(64 << 10, in.readNBytes(64 << 10).length);
            }
        }
        try (Socket s = connect()) {
            expect(fetch(s, "GET", "/big.bin"), 200, BIG);
        }
        assertTrue(server.awaitSessionsEnded(connections, HttpHelloSelfTest.CLIENT_TIMEOUT));
        connections = 0;
        long reset = Arrays.stream(server.stats()).mapToLong(StaticFileServer.WorkerStats::reset).sum();
        assertTrue(reset >= 4, "resets seen: " + reset);
    }

    @Test
    void idleClientsAreClosedByTheTimeoutWhetherSilentStalledOrDoneAsking() throws Exception {
        Duration idle = Duration.ofMillis(300);
        try (StaticFileServer impatient = StaticFileServer.start(pool, root,
                HttpHello.Settings.defaults().withIdleTimeout(idle));
                Socket silent = HttpHelloSelfTest.connect(impatient.address());
                Socket stalled = HttpHelloSelfTest.connect(impatient.address());
                Socket answered = HttpHelloSelfTest.connect(impatient.address())) {
            long start = System.nanoTime();
            send(stalled, "GET /small.txt HTTP/1.1\r\nHo");
            expect(fetch(answered, "GET", "/small.txt"), 200, SMALL);
            expectClosed(silent);
            expectClosed(stalled);
            expectClosed(answered);
            long waited = System.nanoTime() - start;
            assertTrue(waited >= idle.toNanos() * 9 / 10, "closed after " + waited / 1_000_000 + " ms");
            assertTrue(impatient.awaitSessionsEnded(3, HttpHelloSelfTest.CLIENT_TIMEOUT));
            assertEquals(3, Arrays.stream(impatient.stats()).mapToLong(StaticFileServer.WorkerStats::timedOut).sum());
        }
    }

    @Test
    void selfTestPasses() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        boolean passed = StaticFileServerSelfTest.run(new PrintStream(printed, true, StandardCharsets.UTF_8), pool,
                HttpHello.Settings.defaults());
        assertTrue(passed, printed::toString);
    }
}
