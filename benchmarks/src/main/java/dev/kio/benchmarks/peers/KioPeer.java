package dev.kio.benchmarks.peers;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

import dev.kio.examples.EchoServer;
import dev.kio.runtime.worker.IoPool;

/**
 * The kio peer: {@code KioPeer echo|http PORT THREADS}: the examples' servers, {@link EchoServer}
 * and {@link dev.kio.examples.HttpHello} (a full request parser, keep-alive and pipelining), on
 * THREADS workers pinned to the CPUs the process may use (one CPU under {@code taskset -c 0}:
 * every worker shares it), each with its own ring and {@code SO_REUSEPORT} listener.
 */
public final class KioPeer {
    private KioPeer() {
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
                dev.kio.examples.HttpHello http = dev.kio.examples.HttpHello.start(pool, a.address(),
                        dev.kio.examples.HttpHello.Settings.defaults());
                server = http::close;
                port = http.address().getPort();
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
}
