package dev.kio.examples;

import java.io.IOException;
import java.util.Locale;

import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Worker;

/**
 * The copy loop of {@link Copy}: {@value #LANES} lanes, each a linked read-write pair at a time. It
 * runs the lanes on the destination's worker, where the linked pairs are submitted (both halves
 * of a chain go to one ring; a descriptor is the process's, so that ring may read the source's),
 * then comes back to the worker it started on.
 */
final class CopyPump extends Frame<Void> {
    /** Linked read-write pairs in flight. */
    static final int LANES = 4;

    final KioFile in;
    final KioFile out;
    final long size;
    final int memoryAlignment;
    final int offsetAlignment;
    /** The next position no lane has claimed yet. */
    long next;
    /** Set when a lane failed: the others stop claiming chunks. */
    boolean stopping;
    private final Lane[] lanes = new Lane[LANES];
    private Worker home;
    private int running;
    private Throwable failure;

    CopyPump(KioFile in, KioFile out, long size) {
        this.in = in;
        this.out = out;
        this.size = size;
        this.memoryAlignment = Math.max(1, Math.max(in.directMemoryAlignment(), out.directMemoryAlignment()));
        this.offsetAlignment = Math.max(1, Math.max(in.directOffsetAlignment(), out.directOffsetAlignment()));
    }

    @Override
    protected void step() throws Throwable {
        switch (state) {
            case 0 -> {
                home = worker();
                state = 1;
                if (switchTo(out.worker())) {
                    return;
                }
                startLanes();
            }
            case 1 -> startLanes();
            case 2 -> collect();
            default -> finish();
        }
    }

    private void startLanes() throws Throwable {
        state = 2;
        for (int i = 0; i < LANES; i++) {
            lanes[i] = new Lane(this);
            running++;
            // A lane with nothing to do finishes inline; the others resume this frame as each ends.
            await(lanes[i]);
        }
        collect();
    }

    /** Takes the result of every lane that finished; moves home once all have. */
    private void collect() throws Throwable {
        for (int i = 0; i < LANES; i++) {
            Lane lane = lanes[i];
            if (lane != null && lane.isDone()) {
                lanes[i] = null;
                running--;
                try {
                    resultOf(lane);
                } catch (Throwable t) {
                    stopping = true;
                    failure = failure == null ? t : failure;
                }
            }
        }
        if (running > 0) {
            awaitMore();
            return;
        }
        state = 3;
        if (switchTo(home)) {
            return;
        }
        finish();
    }

    private void finish() throws Throwable {
        if (failure != null) {
            throw failure;
        }
        complete(null);
    }

    /** One buffer's worth of chunks, one linked read-write pair at a time, until no chunk is left. */
    static final class Lane extends Frame<Void> {
        private final CopyPump pump;
        private Buffer buffer;
        private Op read;
        private long position;
        private int length;

        Lane(CopyPump pump) {
            this.pump = pump;
        }

        @Override
        protected void step() throws Throwable {
            try {
                if (state == 0) {
                    buffer = pump.in.isDirect() ? worker().buffers().acquireAligned(pump.memoryAlignment)
                            : worker().buffers().acquire();
                    state = 1;
                } else {
                    checkPair();
                }
                if (!pump.stopping && pump.next < pump.size) {
                    submitPair();
                    return;
                }
                buffer.release();
                complete(null);
            } catch (Throwable t) {
                pump.stopping = true;
                if (buffer != null) {
                    buffer.release();
                }
                throw t;
            }
        }

        private void submitPair() {
            position = pump.next;
            length = (int) Math.min(buffer.capacity(), pump.size - position);
            pump.next += length;
            // O_DIRECT moves whole blocks: the last one is read short and written whole, then truncated.
            int blocks = (length + pump.offsetAlignment - 1) / pump.offsetAlignment * pump.offsetAlignment;
            read = worker().ops().read(pump.in.fd(), buffer, 0, blocks, position).target(pump.in);
            Op write = pump.out.write(buffer, 0, blocks, position);
            // A short read fails an IO_LINK and cancels the write; the padded last block must be written anyway.
            await(blocks == length ? read.link(write) : read.hardlink(write));
        }

        /** In the step the pair completed in, while its read is still readable. */
        private void checkPair() throws Throwable {
            Op r = read;
            read = null;
            if (r.outcome() == Outcome.OK && r.result() != length) {
                throw new IOException(String.format(Locale.ROOT, "cp: %s changed during the copy: read %d of %d bytes at %d",
                        pump.in.path(), r.result(), length, position));
            }
            result(); // the failure of the read or of the write, if any
        }
    }
}
