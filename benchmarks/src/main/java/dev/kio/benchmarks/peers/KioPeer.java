package dev.kio.benchmarks.peers;

import static dev.kio.Flows.await;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.examples.EchoServer;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.SocketOptions;
import dev.kio.runtime.net.TcpServer;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * The kio peer: {@code KioPeer echo|http PORT THREADS}. Echo is the examples' {@link EchoServer};
 * HTTP is {@link #http}, one flow per connection. THREADS workers, pinned to the CPUs the process
 * may use (one CPU under {@code taskset -c 0}: every worker shares it), each with its own ring and
 * {@code SO_REUSEPORT} listener.
 */
@IoHandler
public abstract class KioPeer {
    /** {@link HttpHello#BATCH} responses back to back, read by every worker's sends. */
    final MemorySegment responses;

    protected KioPeer() {
        responses = Arena.global().allocateFrom(JAVA_BYTE, HttpHello.responses(HttpHello.BATCH));
    }

    public static void main(String[] args) throws Exception {
        PeerMain.Args a = PeerMain.Args.parse("KioPeer", args);
        PeerMain.serve(start(a));
    }

    static PeerMain.Server start(PeerMain.Args a) throws Exception {
        IoPool pool = IoPool.builder().workers(a.threads()).stopGrace(Duration.ofSeconds(1)).start();
        try {
            Closeable server;
            int port;
            if (a.mode() == PeerMain.Mode.ECHO) {
                EchoServer echo = EchoServer.start(pool, a.port());
                server = echo::close;
                port = echo.address().getPort();
            } else {
                KioPeer peer = new KioPeer_Kio();
                TcpServer tcp = TcpServer.start(pool, a.address(), SocketOptions.defaults(),
                        conn -> KioPeer_Kio.http(peer, conn));
                server = tcp::close;
                port = tcp.port();
            }
            return new PeerMain.Server() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public void close() throws IOException {
                    try (pool) {
                        server.close();
                    }
                }
            };
        } catch (Exception | Error e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Answers every request on {@code conn} with {@link HttpHello#RESPONSE} until the peer closes:
     * one receive into a pooled buffer, then one send of as many responses as it completed.
     */
    @Flow
    public void http(Conn conn) throws OpException {
        Buffer buf = Worker.current().buffers().acquire();
        int matched = 0;
        try {
            while (true) {
                int n = await(conn.recv(buf));
                if (n == 0) {
                    return;
                }
                long scanned = HttpHello.scan(buf.segment(), n, matched);
                matched = HttpHello.matched(scanned);
                long requests = HttpHello.requests(scanned);
                while (requests > 0) {
                    int batch = (int) Math.min(requests, HttpHello.BATCH);
                    await(conn.sendAll(responses, 0, (long) batch * HttpHello.RESPONSE.length));
                    requests -= batch;
                }
            }
        } catch (OpException e) {
            // A reset by the load generator ends the session; nobody awaits it to hear of it.
        } finally {
            buf.release();
            await(conn.close());
        }
    }
}
