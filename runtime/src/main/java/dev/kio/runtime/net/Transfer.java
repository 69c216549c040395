package dev.kio.runtime.net;

import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.FrameKind;

/**
 * {@link Conn#sendAll} and {@link Conn#recvExactly}: one send or receive after another until
 * every byte moved, optionally within an overall timeout that each op carries as the time left.
 */
final class Transfer extends Frame<Void> {
    private static final FrameKind<Transfer> KIND = new FrameKind<>(256);
    /** The most one op moves, so a length in an SQE never overflows. */
    private static final int MAX_CHUNK = 1 << 30;

    private Conn conn;
    private boolean send;
    private MemorySegment segment;
    private long offset;
    private long length;
    private long moved;
    private final Deadline deadline = new Deadline();

    static Transfer start(Conn conn, boolean send, MemorySegment segment, long offset, long length, Duration timeout) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        Transfer t = KIND.idle();
        if (t == null) {
            t = KIND.adopt(new Transfer());
        }
        t.deadline.start(timeout);
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
                throw deadline.expired(name(), conn, moved, length);
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
        long left = deadline.left(name(), conn, moved, length);
        state = 1;
        // Ops on a socket always suspend: they are never ready ops.
        await(Deadline.bound(send ? conn.send(segment, offset + moved, chunk) : conn.recv(segment, offset + moved, chunk),
                left));
    }

    private String name() {
        return send ? "sendAll" : "recvExactly";
    }

    @Override
    protected void clear() {
        conn = null;
        segment = null;
        moved = 0;
    }
}
