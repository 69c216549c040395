package dev.kio.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.net.TcpServer;

/**
 * What the example servers share: the listening {@link TcpServer}, each worker's counts
 * ({@code S}, written only on that worker) and the ends of their sessions, published through
 * {@link #ended} so that {@link #awaitSessionsEnded} makes the counts of the sessions it waited
 * for visible to the caller.
 *
 * @param <S> one worker's counts
 */
public abstract class ExampleServer<S> implements AutoCloseable {
    final S[] stats;
    final Semaphore ended = new Semaphore(0);
    TcpServer server;

    ExampleServer(S[] stats) {
        this.stats = stats;
    }

    /** The address the server listens on, with its actual port. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.address();
    }

    /**
     * Waits up to {@code timeout} until {@code sessions} sessions have ended (counting from the
     * start, less those already waited for), from a plain thread; their counts are visible then.
     *
     * @return whether they all ended in time
     */
    public boolean awaitSessionsEnded(int sessions, Duration timeout) throws InterruptedException {
        return ended.tryAcquire(sessions, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Each worker's counts, by worker index; read them after {@link #awaitSessionsEnded} or once the pool stopped. */
    public S[] stats() {
        return stats.clone();
    }

    /** Stops accepting; sessions still running finish on their own. */
    @Override
    public void close() throws IOException {
        server.close();
    }
}
