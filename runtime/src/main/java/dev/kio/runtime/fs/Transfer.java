package dev.kio.runtime.fs;

import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/** {@link KioFile#readFully} and {@link KioFile#writeFully}: one read or write after another until all bytes moved. */
final class Transfer extends Hop<Void> {
    private static final FrameKind<Transfer> KIND = new FrameKind<>(Transfer::new, 256);

    private KioFile file;
    private boolean write;
    private MemorySegment segment;
    private long offset;
    private int length;
    private long position;
    private int moved;
    private boolean awaiting;

    static Transfer start(KioFile file, boolean write, MemorySegment segment, long offset, int length, long position) {
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (position < 0 && position != Ops.CURRENT_POSITION) {
            throw new IllegalArgumentException("position must be >= 0 or Ops.CURRENT_POSITION, got " + position);
        }
        Transfer t = KIND.acquire();
        t.file = file;
        t.write = write;
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
        if (awaiting) {
            awaiting = false;
            int n = result();
            if (n == 0) {
                throw write
                        ? new EOFException("write on " + file + " made no progress after " + moved + " of " + length + " bytes")
                        : new EOFException("readFully on " + file + " reached the end of the file after " + moved + " of "
                                + length + " bytes" + (position == Ops.CURRENT_POSITION ? "" : " from position " + position));
            }
            moved += n;
        }
        if (moved == length) {
            return false;
        }
        long at = position == Ops.CURRENT_POSITION ? Ops.CURRENT_POSITION : position + moved;
        awaiting = true;
        return await(write
                ? file.write(segment, offset + moved, length - moved, at)
                : file.read(segment, offset + moved, length - moved, at));
    }

    @Override
    protected void clear() {
        super.clear();
        file = null;
        segment = null;
        moved = 0;
        awaiting = false;
    }
}
