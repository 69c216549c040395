package dev.kio.examples;

import static dev.kio.Flows.await;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.IdleSweep;
import dev.kio.runtime.net.SocketOptions;
import dev.kio.runtime.net.TcpServer;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * An HTTP/1.1 server answering every request with {@code Hello, World!}, in the shape of kio's
 * Tokio benchmark: one {@code SO_REUSEPORT} listener per worker, a {@link #session} flow per
 * connection, keep-alive, and pipelined requests answered in order. All the responses owed for
 * the requests that one receive completed go out in one send (in several only when they outgrow a
 * worker buffer, some 190 responses); a partial request left at the end of the buffer moves to its
 * start and waits for the next receive. Heads are parsed in place by
 * {@link HttpRequestParser}; bodies ({@code Content-Length}) are skipped, also across receives.
 *
 * <p>A malformed request, a head longer than {@link Settings#maxHeadBytes()} or with more than
 * {@link Settings#maxHeaders()} fields gets {@code 400 Bad Request} with {@code Connection: close}
 * after the responses to the requests before it, and the connection is closed ({@link Lingering
 * lingering}, so the response is not lost to a reset). So is a connection
 * after a request asking for it ({@code Connection: close}, HTTP/1.0 without keep-alive), and one
 * that neither sends a byte nor takes one for {@link Settings#idleTimeout()} (up to a quarter more):
 * each worker's {@link IdleSweep} cancels the receives and sends that waited that long, with one
 * timer for all its sessions rather than a link timeout per op, and no timer thread. After warm-up
 * a request costs no allocation: the buffers are the worker's, one parser per worker serves its
 * sessions in turn, and the responses are constants copied into the send buffer.
 *
 * <p>As a program ({@code KIO_DEMO_MAIN=dev.kio.examples.HttpHello scripts/demo --port 8080}):
 * {@code [--host 127.0.0.1] [--port 8080] [--workers N] [--seconds S] [--idle-timeout S]
 * [--self-test]}. It serves until interrupted (SIGINT, SIGTERM) or for {@code S} seconds, then
 * stops cleanly and prints what each worker served. {@code --self-test} instead starts the server
 * on a free port, drives it with a client over keep-alive, pipelining and a malformed request,
 * prints what was verified and exits: 0 when it all held, 1 otherwise, 2 without io_uring,
 * 64 for a malformed argument.
 */
@IoHandler
public abstract class HttpHello extends ExampleServer<HttpHello.WorkerStats> {
    static final String HELLO = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!";
    /** For an HTTP/1.0 client that asked to keep the connection: without it, it would expect a close. */
    static final String HELLO_KEEP_ALIVE = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 13\r\n"
            + "Content-Type: text/plain\r\n\r\nHello, World!";
    static final String HELLO_CLOSE = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 13\r\n"
            + "Content-Type: text/plain\r\n\r\nHello, World!";
    static final String BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 11\r\n"
            + "Content-Type: text/plain\r\n\r\nBad Request";

    private static final MemorySegment HELLO_BYTES = nativeAscii(HELLO);
    private static final MemorySegment HELLO_KEEP_ALIVE_BYTES = nativeAscii(HELLO_KEEP_ALIVE);
    private static final MemorySegment HELLO_CLOSE_BYTES = nativeAscii(HELLO_CLOSE);
    private static final MemorySegment BAD_REQUEST_BYTES = nativeAscii(BAD_REQUEST);
    private static final int LONGEST_RESPONSE = Math.max(HELLO_KEEP_ALIVE.length(), BAD_REQUEST.length());

    /**
     * How the server treats its clients.
     *
     * @param idleTimeout  how long a receive or a send may wait before the connection is closed (up to a
     *                     quarter more: the {@link IdleSweep}'s precision)
     * @param maxHeadBytes the longest request head accepted; a worker buffer's size caps it
     * @param maxHeaders   the most header fields a request may have
     */
    public record Settings(Duration idleTimeout, int maxHeadBytes, int maxHeaders) {
        public Settings {
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
            }
            if (maxHeadBytes < 1 || maxHeaders < 0) {
                throw new IllegalArgumentException("max head bytes must be positive and max headers not negative, got "
                        + maxHeadBytes + " and " + maxHeaders);
            }
        }

        /** 10 s idle, heads up to 8 KiB and 100 fields. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), 8 * 1024, 100);
        }

        public Settings withIdleTimeout(Duration timeout) {
            return new Settings(timeout, maxHeadBytes, maxHeaders);
        }
    }

    /** What one worker's sessions did; written only on that worker. */
    public static final class WorkerStats extends SessionCounts {
        long requests;
        long rejected;

        /** Requests answered with 200. */
        public long requests() {
            return requests;
        }

        /** Requests answered with 400. */
        public long rejected() {
            return rejected;
        }
    }

    final Settings settings;
    final Lingering lingering;
    /** Per worker: the idle timeouts of its sessions, one timer for all of them. */
    final IdleSweep[] sweeps;
    final HttpRequestParser[] parsers;

    protected HttpHello(int workers, Settings settings) {
        super(new WorkerStats[workers]);
        this.settings = settings;
        lingering = Lingering.upTo(settings.idleTimeout());
        sweeps = new IdleSweep[workers];
        parsers = new HttpRequestParser[workers];
        for (int i = 0; i < workers; i++) {
            stats[i] = new WorkerStats();
            sweeps[i] = new IdleSweep(settings.idleTimeout());
            parsers[i] = new HttpRequestParser(settings.maxHeaders());
        }
    }

    /**
     * Serves on {@code address} (port 0 picks a free port, see {@link #address()}) on every worker
     * of {@code pool}.
     *
     * @throws OpException              when the listening sockets cannot be set up (EADDRINUSE...)
     */
    public static HttpHello start(IoPool pool, InetSocketAddress address, Settings settings) throws OpException {
        HttpHello hello = new HttpHello_Kio(pool.size(), settings);
        hello.server = TcpServer.start(pool, address, SocketOptions.defaults(), conn -> HttpHello_Kio.session(hello,
                conn));
        return hello;
    }

    /** Serves on a free loopback port. */
    public static HttpHello start(IoPool pool, Settings settings) throws OpException {
        return start(pool, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), settings);
    }

    /**
     * Answers the connection's requests until it is to close (asked for, a bad request, an idle
     * timeout, the peer closing or resetting, an error), then closes it. Failures are counted, not
     * thrown: nobody awaits a session.
     */
    @Flow
    public void session(Conn conn) throws OpException {
        int w = conn.worker().index();
        WorkerStats mine = stats[w];
        mine.connections++;
        Buffer in = Worker.current().buffers().acquire();
        Buffer out = Worker.current().buffers().acquire();
        Pipeline pipeline = new Pipeline(parsers[w], in.segment(), out.segment(),
                Math.min(settings.maxHeadBytes(), in.capacity()), mine);
        IdleSweep idle = sweeps[w];
        int slot = idle.register();
        try {
            while (true) {
                boolean outFull = pipeline.answer();
                int sent = 0;
                while (sent < pipeline.outLength) {
                    sent += await(idle.watch(slot, conn.send(out, sent, pipeline.outLength - sent)));
                }
                if (pipeline.closing) {
                    await(lingering.on(conn, in));
                    return;
                }
                if (!outFull) {
                    int buffered = pipeline.requests.buffered();
                    int n = await(idle.watch(slot, conn.recv(in, buffered, in.capacity() - buffered)));
                    if (n == 0) {
                        return;
                    }
                    pipeline.requests.received(n);
                }
            }
        } catch (OpException e) {
            if (idle.expired(slot)) {
                // An idle connection, not one lingering: Lingering keeps its own timeouts.
                mine.timedOut++;
            } else {
                mine.ended(e);
            }
        } finally {
            idle.unregister(slot);
            in.release();
            out.release();
            await(conn.close());
            ended.release();
        }
    }

    /**
     * One connection's received bytes and the responses owed for them: plain code run between the
     * session's awaits.
     */
    static final class Pipeline {
        private final HttpRequestParser parser;
        final RequestCursor requests;
        private final MemorySegment out;
        private final WorkerStats stats;
        /** Bytes of responses to send, from the start of {@code out}. */
        int outLength;
        /** Whether the connection closes once {@code out} is sent. */
        boolean closing;

        Pipeline(HttpRequestParser parser, MemorySegment in, MemorySegment out, int maxHead, WorkerStats stats) {
            this.parser = parser;
            this.requests = new RequestCursor(parser, in, maxHead);
            this.out = out;
            this.stats = stats;
        }

        /**
         * Answers the complete requests buffered, in order, into {@code out}, and moves what is left
         * (part of a request) to the start of {@code in}.
         *
         * @return whether {@code out} filled up before every complete request was answered
         */
        boolean answer() {
            outLength = 0;
            boolean outFull = false;
            while (!closing) {
                if (outLength + LONGEST_RESPONSE > out.byteSize()) {
                    outFull = true;
                    break;
                }
                int next = requests.next();
                if (next == RequestCursor.NEED_MORE) {
                    break;
                }
                if (next == RequestCursor.BAD) {
                    reject();
                    break;
                }
                stats.requests++;
                closing = !parser.keepAlive();
                append(closing ? HELLO_CLOSE_BYTES : parser.minorVersion() == 0 ? HELLO_KEEP_ALIVE_BYTES : HELLO_BYTES);
            }
            requests.compact();
            return outFull;
        }

        private void reject() {
            stats.rejected++;
            closing = true;
            append(BAD_REQUEST_BYTES);
        }

        private void append(MemorySegment response) {
            MemorySegment.copy(response, 0, out, outLength, response.byteSize());
            outLength += (int) response.byteSize();
        }
    }

    private static MemorySegment nativeAscii(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return Arena.global().allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
    }





    public static void main(String[] args) throws Exception {
        ServerCommand c = ServerCommand.parse("HttpHello",
                "[--host 127.0.0.1] [--port 8080] [--workers N] [--seconds S] [--idle-timeout S] [--self-test]", false,
                args);
        IoPool pool = c.startPool();
        Settings settings = c.settings();
        if (c.selfTest) {
            boolean passed;
            try (pool) {
                passed = HttpHelloSelfTest.run(System.out, pool, settings);
            }
            System.exit(passed ? 0 : 1);
        }
        InetSocketAddress address = c.address();
        c.serve(stop -> {
            WorkerStats[] stats;
            try (pool; HttpHello hello = start(pool, address, settings)) {
                System.out.printf("kio HTTP hello server on http://%s:%d/ with %d worker(s), idle timeout %d s; %s%n",
                        address.getAddress().getHostAddress(), hello.address().getPort(), pool.size(),
                        settings.idleTimeout().toSeconds(), c.stopsWhen());
                stop.await();
                stats = hello.stats();
            }
            // The pool's threads are gone: their last counts are visible.
            for (int w = 0; w < stats.length; w++) {
                WorkerStats s = stats[w];
                System.out.printf("  worker %d: %d connection(s), %d request(s) answered, %d rejected (400),"
                        + " %d idle timeout(s), %d reset by the peer, %d failed%s%n", w, s.connections, s.requests,
                        s.rejected, s.timedOut, s.reset, s.failed, s.lastFailure == null ? "" : " (last: " + s.lastFailure + ")");
            }
            System.out.println("server and pool stopped cleanly");
        });
    }
}
