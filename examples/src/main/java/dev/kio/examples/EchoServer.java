package dev.kio.examples;

import static dev.kio.Flows.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.SocketOptions;
import dev.kio.runtime.net.TcpServer;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A TCP echo server on every worker of a pool: each worker listens on the same loopback port
 * ({@code SO_REUSEPORT}) and runs the sessions of the connections it accepts as {@link #session}
 * flows, which send back whatever they receive until the peer closes.
 *
 * <p>The handler is shared by all workers; each worker counts into its own {@link WorkerStats}
 * (see {@link ExampleServer}).
 */
@IoHandler
public abstract class EchoServer extends ExampleServer<EchoServer.WorkerStats> {
    /** What one worker's sessions did; written only on that worker. */
    public static final class WorkerStats {
        long sessions;
        long bytes;
        long failed;
        String lastFailure;

        public long sessions() {
            return sessions;
        }

        public long bytes() {
            return bytes;
        }

        public long failed() {
            return failed;
        }

        /** The message of the last session failure on this worker, or null. */
        public String lastFailure() {
            return lastFailure;
        }
    }


    protected EchoServer(int workers) {
        super(new WorkerStats[workers]);
        for (int i = 0; i < workers; i++) {
            stats[i] = new WorkerStats();
        }
    }

    /**
     * Starts echoing on {@code 127.0.0.1:port} (0 picks a free port, see {@link #address()}) on every
     * worker of {@code pool}.
     *
     * @throws OpException when the listening sockets cannot be set up (EADDRINUSE...)
     */
    public static EchoServer start(IoPool pool, int port) throws OpException {
        EchoServer echo = new EchoServer_Kio(pool.size());
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        echo.server = TcpServer.start(pool, address, SocketOptions.defaults(), conn -> EchoServer_Kio.session(echo, conn));
        return echo;
    }

    /**
     * Echoes until the peer closes its sending half, then closes the connection. A failure (a
     * reset by the peer, say) ends the session and is counted, not thrown: nobody awaits a session.
     */
    @Flow
    public void session(Conn conn) throws OpException {
        WorkerStats mine = stats[conn.worker().index()];
        mine.sessions++;
        Buffer buf = Worker.current().buffers().acquire();
        try {
            while (true) {
                int n = await(conn.recv(buf));
                if (n == 0) {
                    return;
                }
                await(conn.sendAll(buf.segment(), 0, n));
                mine.bytes += n;
            }
        } catch (OpException e) {
            mine.failed++;
            mine.lastFailure = e.getMessage();
        } finally {
            buf.release();
            await(conn.close());
            ended.release();
        }
    }




}
