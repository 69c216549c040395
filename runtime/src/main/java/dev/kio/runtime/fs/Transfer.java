package dev.kio.runtime.fs;

import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpState;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/**
 * {@link KioFile#readFully}, {@link KioFile#writeFully} and {@link KioFile#writeAndSync}: one read
 * or write after another until all bytes moved; with sync, each write is linked to an fsync.
 */
final class Transfer extends Hop<Void> {
    private static final FrameKind<Transfer> KIND = new FrameKind<>(256);

    private KioFile file;
    private boolean write;
    private boolean sync;
    private boolean synced;
    /** The write of the write-then-fsync chain in flight: readable in the step its chain completes. */
    private Op linkedWrite;
    private MemorySegment segment;
    private long offset;
    private int length;
    private long position;
    private int moved;
    private boolean awaiting;

    static Transfer start(KioFile file, boolean write, boolean sync, MemorySegment segment, long offset, int length,
            long position) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (position < 0 && position != Ops.CURRENT_POSITION) {
            throw new IllegalArgumentException("position must be >= 0 or Ops.CURRENT_POSITION, got " + position);
        }
        Transfer t = KIND.idle();
        if (t == null) {
            t = KIND.adopt(new Transfer());
        }
        t.file = file;
        t.write = write;
        t.sync = sync;
        t.segment = segment;
        t.offset = offset;
        t.length = length;
        t.position = position;
        return t;
    }

    @Override
    Worker there() {
        return file.worker();
    }

    @Override
    boolean work() throws Throwable {
        // Loops only when the op was a ready one (refused for O_DIRECT alignment), which completes inline.
        for (;;) {
            if (awaiting) {
                awaiting = false;
                moved += transferred();
            }
            if (moved == length && (!sync || synced)) {
                return false;
            }
            long at = position == Ops.CURRENT_POSITION ? Ops.CURRENT_POSITION : position + moved;
            awaiting = true;
            Op op = write
                    ? file.write(segment, offset + moved, length - moved, at)
                    : file.read(segment, offset + moved, length - moved, at);
            if (sync && op.state() != OpState.READY) {
                linkedWrite = op;
                op = op.link(file.worker().ops().fsync(file.fd()).target(file));
            }
            if (await(op)) {
                return true;
            }
        }
    }

    /** The bytes the completed read, write or write-then-fsync chain moved; throws its failure. */
    private int transferred() throws Throwable {
        Op w = linkedWrite;
        linkedWrite = null;
        int n;
        if (w == null) {
            n = result();
        } else if (w.outcome() == Outcome.OK && w.result() < length - moved) {
            // A short write: the kernel cancelled the fsync linked to it. The rest goes in another chain.
            n = w.result();
        } else {
            result(); // the first failure in the chain, or the fsync's 0
            n = length - moved;
            synced = true;
        }
        if (n == 0 && moved < length) {
            throw write
                    ? new EOFException("write on " + file + " made no progress after " + moved + " of " + length + " bytes")
                    : new EOFException("readFully on " + file + " reached the end of the file after " + moved + " of "
                            + length + " bytes" + (position == Ops.CURRENT_POSITION ? "" : " from position " + position));
        }
        return n;
    }

    @Override
    protected void clear() {
        super.clear();
        file = null;
        segment = null;
        moved = 0;
        awaiting = false;
        synced = false;
        linkedWrite = null;
    }
}
