package dev.kio.examples;

import static dev.kio.Flows.await;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.fs.FileStat;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.fs.OpenFlags;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.IdleSweep;
import dev.kio.runtime.net.SocketOptions;
import dev.kio.runtime.net.TcpServer;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * An HTTP/1.1 server for the files under one directory, the body of each response spliced from
 * the file to the socket ({@link Conn#sendFile}) without passing through user memory. Connections
 * are handled as {@link HttpHello}'s are: a {@link #session} flow per connection on the worker
 * that accepted it, keep-alive, pipelined requests answered in order (the heads of bodiless
 * responses that one receive completed go out in one send; a body always goes out before the next
 * response's head), request bodies skipped, a malformed or oversized head answered with
 * {@code 400} and a lingering close, and idle connections closed, all with the same
 * {@link HttpHello.Settings}.
 *
 * <p>What a request gets:
 * <ul>
 * <li>{@code GET} and {@code HEAD} of a regular file: {@code 200} with {@code Content-Length},
 *     {@code Content-Type} from the file name's extension, {@code Last-Modified}, and for GET the
 *     file's bytes. A directory is served as its {@code index.html}; there are no listings.</li>
 * <li>any other method: {@code 405} with {@code Allow: GET, HEAD};</li>
 * <li>a target that is not an origin-form path, has a malformed escape or an encoded NUL, or is
 *     not UTF-8 once decoded: {@code 400} and a close;</li>
 * <li>a path that would leave the root through {@code ..} segments (after percent-decoding, see
 *     {@link RequestTarget}), or a file that symbolic links lead to outside the root: {@code 403};</li>
 * <li>a missing file, a directory without {@code index.html}, anything but a regular file (FIFOs,
 *     devices, sockets), ENOTDIR, ENAMETOOLONG or ELOOP: {@code 404}; EACCES or EPERM: {@code 403};
 *     any other error: {@code 500}. Each with a short text body and the connection kept.</li>
 * </ul>
 *
 * <p>Guarded and not: a target never names a path outside the root lexically ({@link RequestTarget},
 * 403). A file reached through symbolic links that lead out of the root is refused with 403 once it
 * is open, before a byte of it is sent: the real path procfs shows for its descriptor must be under
 * the root's real path (links that stay inside the root are served). The lookup before that does
 * follow such links, so whether a 403 or a 404 comes back tells whether their targets exist. A file
 * is looked up with {@code statx} before it is opened, so a FIFO is never opened (an open would
 * block an io-wq thread until a writer came); a FIFO swapped in between the two by someone who can
 * write the root is not guarded against. The body's length is the size statx saw: a file that
 * shrinks before it is sent fails the session (the connection closes, as the promised length can
 * no longer be kept), one that grows is cut to that size. A body must go out within the idle
 * timeout plus one second per {@value #MIN_BODY_RATE} bytes ({@link Conn#sendFile}'s overall
 * timeout): a peer that stops reading, or reads slower than that, has its session ended.
 *
 * <p>Files go through the pool's {@link FileManager}: the stat, the open and the close each move to
 * the worker the file's path hashes to and back, so operations on one file stay on one worker as
 * everywhere in kio. The splices then run on the connection's worker, which needs only the
 * descriptor ({@link Conn#sendFile} accepts a file of another worker); the session closes the file
 * once the body is sent or failed, on every path. Unlike {@link HttpHello}, a request allocates
 * (the decoded path, the file's handle and stat, the date).
 *
 * <p>As a program ({@code KIO_DEMO_MAIN=dev.kio.examples.StaticFileServer scripts/demo --root DIR}):
 * {@code --root DIR [--host 127.0.0.1] [--port 8080] [--workers N] [--seconds S] [--idle-timeout S]},
 * or {@code --self-test}, which serves a temporary directory, fetches from it with a client and
 * exits: 0 when every check held, 1 otherwise, 2 without io_uring, 64 for a malformed argument.
 */
@IoHandler
public abstract class StaticFileServer extends ExampleServer<StaticFileServer.WorkerStats> {
    /** What a directory is served as. */
    static final String INDEX = "index.html";
    /** Room kept in the send buffer for one more head (and a short error body). */
    private static final int MAX_RESPONSE_HEAD = 512;
    /** errno values the runtime's {@link Errno} does not name. */
    private static final int ENOTDIR = 20;
    private static final int ENAMETOOLONG = 36;
    private static final int ELOOP = 40;
    private static final String PROC_FDS = "/proc/self/fd";
    /** An IMF-fixdate (RFC 9110 section 5.6.7), e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** The statuses this server answers with, in the order {@link WorkerStats#responses} counts them. */
    static final int[] STATUSES = {200, 400, 403, 404, 405, 500};

    /** What one worker's sessions did; written only on that worker. */
    public static final class WorkerStats extends SessionCounts {
        final long[] responses = new long[STATUSES.length];
        long bodyBytes;

        /** Responses sent with {@code status}, one of {@link #STATUSES}. */
        public long responses(int status) {
            return responses[index(status)];
        }

        /** File bytes spliced to sockets. */
        public long bodyBytes() {
            return bodyBytes;
        }

        void count(int status) {
            responses[index(status)]++;
        }

        /** The status that answers a failed stat or open, noting what a {@code 500} hides. */
        int lookupFailed(OpException e) {
            int errno = e.errno();
            if (errno == Errno.ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG || errno == ELOOP) {
                return 404;
            }
            if (errno == Errno.EACCES || errno == Errno.EPERM) {
                return 403;
            }
            lastFailure = e.getMessage();
            return 500;
        }

        private static int index(int status) {
            for (int i = 0; i < STATUSES.length; i++) {
                if (STATUSES[i] == status) {
                    return i;
                }
            }
            throw new IllegalArgumentException("not a status this server sends: " + status);
        }
    }

    final Path root;
    final FileManager files;
    final HttpHello.Settings settings;
    /** The slowest a body may be read, in bytes per second, beyond the idle timeout. */
    static final long MIN_BODY_RATE = 64 * 1024;

    final long idleNanos;
    final Lingering lingering;
    /** Per worker: the idle timeouts of its sessions' receives and sends, one timer for all of them. */
    final IdleSweep[] sweeps;
    final HttpRequestParser[] parsers;

    /** @param root the served directory's real path */
    protected StaticFileServer(IoPool pool, Path root, HttpHello.Settings settings) {
        super(new WorkerStats[pool.size()]);
        this.root = root;
        this.files = FileManager.of(pool);
        this.settings = settings;
        idleNanos = settings.idleTimeout().toNanos();
        lingering = Lingering.upTo(settings.idleTimeout());
        sweeps = new IdleSweep[pool.size()];
        parsers = new HttpRequestParser[pool.size()];
        for (int i = 0; i < pool.size(); i++) {
            stats[i] = new WorkerStats();
            sweeps[i] = new IdleSweep(settings.idleTimeout());
            parsers[i] = new HttpRequestParser(settings.maxHeaders());
        }
    }

    /**
     * Serves the files under {@code root} on {@code address} (port 0 picks a free port, see
     * {@link #address()}) on every worker of {@code pool}.
     *
     * @throws OpException when the listening sockets cannot be set up (EADDRINUSE...)
     * @throws IOException  when {@code root} is not a directory, or procfs, which shows where
     *                       symbolic links lead, is not mounted
     */
    public static StaticFileServer start(IoPool pool, InetSocketAddress address, Path root,
            HttpHello.Settings settings) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        if (!Files.isDirectory(Path.of(PROC_FDS))) {
            throw new IOException(PROC_FDS + " is missing: mount procfs (/proc), which shows where symbolic links"
                    + " under " + root + " lead");
        }
        StaticFileServer server = new StaticFileServer_Kio(pool, real, settings);
        server.server = TcpServer.start(pool, address, SocketOptions.defaults(),
                conn -> StaticFileServer_Kio.session(server, conn));
        return server;
    }

    /** Serves {@code root} on a free loopback port. */
    public static StaticFileServer start(IoPool pool, Path root, HttpHello.Settings settings) throws IOException {
        return start(pool, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), root, settings);
    }

    /**
     * Answers the connection's requests in order until it is to close, then closes it. Failures
     * are counted, not thrown: nobody awaits a session.
     */
    @Flow
    public void session(Conn conn) throws OpException {
        int w = conn.worker().index();
        WorkerStats mine = stats[w];
        mine.connections++;
        Buffer in = Worker.current().buffers().acquire();
        Buffer out = Worker.current().buffers().acquire();
        HttpRequestParser parser = parsers[w];
        RequestCursor requests = new RequestCursor(parser, in.segment(), Math.min(settings.maxHeadBytes(),
                in.capacity()));
        Exchange x = new Exchange(out.segment());
        IdleSweep idle = sweeps[w];
        x.idleSlot = idle.register();
        try {
            while (true) {
                int next = requests.next();
                if (next == RequestCursor.REQUEST) {
                    x.take(parser, in.segment());
                    if (!respond(conn, out, x, mine)) {
                        flush(conn, out, x);
                        await(lingering.on(conn, in));
                        return;
                    }
                } else if (next == RequestCursor.NEED_MORE) {
                    flush(conn, out, x);
                    requests.compact();
                    int buffered = requests.buffered();
                    int n = await(idle.watch(x.idleSlot, conn.recv(in, buffered, in.capacity() - buffered)));
                    if (n == 0) {
                        return;
                    }
                    requests.received(n);
                } else {
                    mine.count(400);
                    x.badHead();
                    flush(conn, out, x);
                    await(lingering.on(conn, in));
                    return;
                }
            }
        } catch (OpTimedOutException slowBody) {
            // Only a body's overall timeout ends in one: receives and sends are the sweep's.
            mine.timedOut++;
        } catch (Exception e) {
            // A task's exception is rethrown as is: sendFile's EOFException (the file shrank) comes
            // unseen by javac, next to the ops' OpExceptions.
            if (!(e instanceof IOException)) {
                throw e;
            }
            if (idle.expired(x.idleSlot)) {
                mine.timedOut++;
            } else {
                mine.ended((IOException) e);
            }
        } finally {
            idle.unregister(x.idleSlot);
            in.release();
            out.release();
            await(conn.close());
            ended.release();
        }
    }

    /** How long a body of {@code bytes} may take to go out: the idle timeout plus its time at {@link #MIN_BODY_RATE}. */
    Duration bodyTimeout(long bytes) {
        return Duration.ofNanos(idleNanos).plusMillis(bytes * 1000 / MIN_BODY_RATE);
    }

    /**
     * Answers one request: its head into {@code out}, and for a GET of a non-empty file everything
     * in {@code out} sent, then the body.
     *
     * @return whether the connection stays open afterwards
     */
    @Flow
    boolean respond(Conn conn, Buffer out, Exchange x, WorkerStats mine) throws OpException {
        if (!x.hasRoom()) {
            flush(conn, out, x);
        }
        int status = x.status;
        FileStat stat = null;
        KioFile file = null;
        if (status == 0) {
            Path path = root.resolve(x.relative);
            try {
                stat = await(files.stat(path));
                if (stat.isDirectory()) {
                    path = path.resolve(INDEX);
                    stat = await(files.stat(path));
                }
                if (stat.isRegularFile()) {
                    file = await(files.open(path, OpenFlags.RDONLY, 0));
                } else {
                    status = 404;
                }
            } catch (Exception e) {
                // A task's OpException is rethrown as is, unseen by javac: catch broadly, let anything else through.
                if (!(e instanceof OpException)) {
                    throw e;
                }
                status = mine.lookupFailed((OpException) e);
            }
        }
        if (file == null) {
            mine.count(status);
            x.error(status);
            return x.keepAlive;
        }
        try {
            if (!insideRoot(file)) {
                mine.count(403);
                x.error(403);
            } else {
                mine.count(200);
                x.ok(stat.size(), stat.modified(), file.path());
                if (x.get && stat.size() > 0) {
                    flush(conn, out, x);
                    await(conn.sendFile(file, 0, stat.size(), bodyTimeout(stat.size())));
                    mine.bodyBytes += stat.size();
                }
            }
        } finally {
            await(file.close());
        }
        return x.keepAlive;
    }

    /**
     * Whether the file the descriptor reached is under the root, wherever the symbolic links on its
     * path led: procfs names it by its real path. A readlink of procfs reads no disk, so the worker
     * may make it.
     */
    boolean insideRoot(KioFile file) {
        try {
            return Files.readSymbolicLink(Path.of(PROC_FDS, Integer.toString(file.fd()))).startsWith(root);
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends what {@code out} holds. */
    @Flow
    void flush(Conn conn, Buffer out, Exchange x) throws OpException {
        int sent = 0;
        while (sent < x.outLength) {
            sent += await(sweeps[conn.worker().index()].watch(x.idleSlot,
                    conn.send(out, sent, x.outLength - sent)));
        }
        x.outLength = 0;
    }

    /**
     * One request of a connection and the response heads owed, plain code run between the
     * session's awaits: what the request asks for, taken from the parser, and the heads written
     * into {@code out} from its start.
     */
    static final class Exchange {
        private final MemorySegment out;
        /** Bytes of responses to send, from the start of {@code out}. */
        int outLength;
        /** GET, or else HEAD (when {@link #status} is not 405). */
        boolean get;
        boolean keepAlive;
        int minorVersion;
        /** The status decided from the request alone (400, 403, 405), or 0 to look the file up. */
        int status;
        /** The file's path under the root, when {@link #status} is 0. */
        String relative;
        /** The connection's slot in its worker's {@link IdleSweep}. */
        int idleSlot;

        Exchange(MemorySegment out) {
            this.out = out;
        }

        /** Takes the request the parser just read from {@code in}. */
        void take(HttpRequestParser p, MemorySegment in) {
            keepAlive = p.keepAlive();
            minorVersion = p.minorVersion();
            relative = null;
            status = 0;
            get = is(in, p.methodOffset(), p.methodLength(), "GET");
            if (!get && !is(in, p.methodOffset(), p.methodLength(), "HEAD")) {
                status = 405;
                return;
            }
            try {
                relative = RequestTarget.relativePath(in, p.targetOffset(), p.targetLength());
            } catch (RequestTarget.Rejected e) {
                status = e.status;
                keepAlive &= status != 400;
            }
        }

        boolean hasRoom() {
            return outLength + MAX_RESPONSE_HEAD <= out.byteSize();
        }

        /** A 200 head for a file of {@code size} bytes. */
        void ok(long size, Instant modified, Path file) {
            put("HTTP/1.1 200 OK\r\nContent-Length: ").put(Long.toString(size))
                    .put("\r\nContent-Type: ").put(contentType(file.getFileName().toString()))
                    .put("\r\nLast-Modified: ").put(HTTP_DATE.format(modified)).put("\r\n");
            endHead();
        }

        /** An error response with a short text body (only its head for HEAD). */
        void error(int status) {
            String reason = reason(status);
            put("HTTP/1.1 ").put(Integer.toString(status)).put(" ").put(reason)
                    .put("\r\nContent-Length: ").put(Integer.toString(reason.length() + 1))
                    .put("\r\nContent-Type: text/plain; charset=utf-8\r\n");
            if (status == 405) {
                put("Allow: GET, HEAD\r\n");
            }
            endHead();
            if (get || status == 405) {
                put(reason).put("\n");
            }
        }

        /** The answer to a head that could not be read: 400, closing. */
        void badHead() {
            keepAlive = false;
            get = true;
            error(400);
        }

        private void endHead() {
            if (!keepAlive) {
                put("Connection: close\r\n");
            } else if (minorVersion == 0) {
                put("Connection: keep-alive\r\n");
            }
            put("\r\n");
        }

        private Exchange put(String ascii) {
            for (int i = 0; i < ascii.length(); i++) {
                out.set(JAVA_BYTE, outLength++, (byte) ascii.charAt(i));
            }
            return this;
        }

        private static boolean is(MemorySegment s, int offset, int length, String ascii) {
            if (length != ascii.length()) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (s.get(JAVA_BYTE, offset + i) != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> "Internal Server Error";
        };
    }

    /** The media type for a file name, by its extension. */
    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return switch (extension) {
            case "html", "htm" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "json" -> "application/json";
            case "txt" -> "text/plain; charset=utf-8";
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "svg" -> "image/svg+xml";
            default -> "application/octet-stream";
        };
    }


    /** The directory served, its real path. */
    public Path root() {
        return root;
    }




    public static void main(String[] args) throws Exception {
        ServerCommand c = ServerCommand.parse("StaticFileServer", "--root DIR [--host 127.0.0.1] [--port 8080]"
                + " [--workers N] [--seconds S] [--idle-timeout S] | --self-test", true, args);
        if (!c.selfTest && (c.root == null || !Files.isDirectory(c.root))) {
            c.usage(c.root == null ? "--root DIR is needed (or --self-test)" : "--root " + c.root + " is not a directory");
        }
        IoPool pool = c.startPool();
        HttpHello.Settings settings = c.settings();
        if (c.selfTest) {
            boolean passed;
            try (pool) {
                passed = StaticFileServerSelfTest.run(System.out, pool, settings);
            }
            System.exit(passed ? 0 : 1);
        }
        InetSocketAddress address = c.address();
        c.serve(stop -> {
            WorkerStats[] stats;
            try (pool; StaticFileServer server = start(pool, address, c.root, settings)) {
                System.out.printf("kio static file server for %s on http://%s:%d/ with %d worker(s), idle timeout %d s; %s%n",
                        server.root(), address.getAddress().getHostAddress(), server.address().getPort(), pool.size(),
                        settings.idleTimeout().toSeconds(), c.stopsWhen());
                stop.await();
                stats = server.stats();
            }
            // The pool's threads are gone: their last counts are visible.
            for (int w = 0; w < stats.length; w++) {
                WorkerStats s = stats[w];
                StringBuilder statuses = new StringBuilder();
                for (int status : STATUSES) {
                    statuses.append(", ").append(s.responses(status)).append(" x ").append(status);
                }
                System.out.printf("  worker %d: %d connection(s)%s, %d file byte(s) sent, %d idle timeout(s),"
                        + " %d reset by the peer, %d failed%s%n", w, s.connections, statuses, s.bodyBytes, s.timedOut,
                        s.reset, s.failed, s.lastFailure == null ? "" : " (last: " + s.lastFailure + ")");
            }
            System.out.println("server and pool stopped cleanly");
        });
    }
}
