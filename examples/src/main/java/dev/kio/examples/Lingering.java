package dev.kio.examples;

import static dev.kio.Flows.await;

import java.time.Duration;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.Task;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.net.Conn;

/**
 * How the HTTP examples end a connection they decided to close: the peer may still be sending (the
 * rest of a pipeline, an oversized head), and closing with bytes unread would reset the connection,
 * which can destroy the last response before the peer reads it (RFC 9112 section 9.6). So the
 * sending half is shut down first, and what still comes is dropped until the peer closes, or sends
 * nothing for {@link #LINGER} (the idle timeout if shorter), or {@link #MAX_LINGER_BYTES} were
 * dropped. The caller closes the connection afterwards.
 */
@IoHandler
public abstract class Lingering {
    /** The longest a closing connection waits for each of the peer's remaining bytes. */
    static final Duration LINGER = Duration.ofSeconds(1);
    /** The most a closing connection reads and drops. */
    static final long MAX_LINGER_BYTES = 256 * 1024;

    final long lingerNanos;

    protected Lingering(Duration idleTimeout) {
        lingerNanos = Math.min(idleTimeout.toNanos(), LINGER.toNanos());
    }

    /** Lingering for servers whose idle timeout is {@code idleTimeout}. */
    static Lingering upTo(Duration idleTimeout) {
        return new Lingering_Kio(idleTimeout);
    }

    /** {@link #linger} as a task, for the flows of other handlers. */
    Task<Void> on(Conn conn, Buffer drain) {
        return Lingering_Kio.linger(this, conn, drain);
    }

    /** Shuts down the sending half of {@code conn} and drops what the peer still sends into {@code drain}. */
    @Flow
    public void linger(Conn conn, Buffer drain) throws OpException {
        await(conn.shutdownOutput());
        long dropped = 0;
        try {
            while (dropped < MAX_LINGER_BYTES) {
                int n = await(conn.recv(drain).timeout(lingerNanos));
                if (n == 0) {
                    return;
                }
                dropped += n;
            }
        } catch (OpTimedOutException quiet) {
            // The peer kept the connection open without sending: the response had its chance.
        }
    }
}
