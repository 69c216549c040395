package dev.kio.runtime.net;

import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.FrameKind;

/**
 * {@link Conn#sendAll} and {@link Conn#recvExactly}: one send or receive after another until
 * every byte moved, optionally within an overall timeout that each op carries as the time left.
 */
final class Transfer extends Frame<Void> {
    private static final FrameKind<Transfer> KIND = new FrameKind<>(Transfer::new, 256);
    /** The most one op moves, so a length in an SQE never overflows. */
    private static final int MAX_CHUNK = 1 << 30;

    private Conn conn;
    private boolean send;
    private MemorySegment segment;
    private long offset;
    private long length;
    private long moved;
    /** The overall timeout, 0 for none, and its deadline on {@link System#nanoTime()}'s clock. */
    private long timeoutNanos;
    private long deadline;

    static Transfer start(Conn conn, boolean send, MemorySegment segment, long offset, long length, Duration timeout) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        long nanos = timeout == null ? 0 : timeout.toNanos();
        if (timeout != null && nanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        Transfer t = KIND.acquire();
        t.timeoutNanos = nanos;
        t.deadline = System.nanoTime() + nanos;
        t.conn = conn;
        t.send = send;
        t.segment = segment;
        t.offset = offset;
        t.length = length;
        return t;
    }

    @Override
    protected void step() throws Throwable {
        if (state == 1) {
            if (outcome() == Outcome.TIMED_OUT) {
                throw timedOut();
            }
            int n = result();
            if (n == 0 && length > 0) {
                throw send ? new EOFException("sendAll on " + conn + " made no progress after " + moved + " of " + length + " bytes")
                        : new EOFException("recvExactly on " + conn + ": the peer stopped sending after " + moved + " of "
                                + length + " bytes");
            }
            moved += n;
        }
        if (moved == length) {
            done();
            return;
        }
        int chunk = (int) Math.min(length - moved, MAX_CHUNK);
        long left = deadline - System.nanoTime();
        if (timeoutNanos > 0 && left <= 0) {
            throw timedOut();
        }
        Op op = send ? conn.send(segment, offset + moved, chunk) : conn.recv(segment, offset + moved, chunk);
        if (timeoutNanos > 0) {
            op.timeout(left);
        }
        state = 1;
        // Ops on a socket always suspend: they are never ready ops.
        await(op);
    }

    private OpTimedOutException timedOut() {
        return new OpTimedOutException(Errno.ETIMEDOUT, Errno.name(Errno.ETIMEDOUT), send ? "sendAll" : "recvExactly",
                conn + " after " + moved + " of " + length + " bytes", Duration.ofNanos(timeoutNanos));
    }

    @Override
    protected void clear() {
        conn = null;
        segment = null;
        moved = 0;
    }
}
