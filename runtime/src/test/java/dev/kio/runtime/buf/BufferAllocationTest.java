package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A property, not a speed: once warm, a worker moving data through pooled buffers allocates
 * nothing per operation, measured with the worker thread's allocation counter.
 */
@Timeout(120)
class BufferAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Runs a loop on the worker and returns the bytes its thread allocated meanwhile. */
    static final class Measured extends Frame<Long> {
        private final Frame<Long> loop;
        private long before;

        Measured(Frame<Long> loop) {
            this.loop = loop;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                before = THREADS.getCurrentThreadAllocatedBytes();
                state = 1;
                if (await(loop)) {
                    return;
                }
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            resultOf(loop);
            complete(allocated);
        }
    }

    /** Per round: acquire two buffers, write 64 bytes from one into a pipe, read them into the other, release both. */
    static final class PipeRounds extends Frame<Long> {
        private final int readFd;
        private final int writeFd;
        private final long rounds;
        private long done;
        private Buffer out;
        private Buffer in;
        int fixedOps;

        PipeRounds(int[] pipe, long rounds) {
            this.readFd = pipe[0];
            this.writeFd = pipe[1];
            this.rounds = rounds;
        }

        @Override
        protected void step() throws Throwable {
            for (;;) {
                switch (state) {
                    case 0 -> {
                        if (done == rounds) {
                            complete(done);
                            return;
                        }
                        BufferPool pool = worker().buffers();
                        out = pool.acquire();
                        in = pool.acquire();
                        out.segment().set(JAVA_LONG, 0, done);
                        var write = ops().write(writeFd, out, 0, 64, Ops.CURRENT_POSITION);
                        fixedOps += write.opcode() == Opcode.WRITE_FIXED ? 1 : 0;
                        state = 1;
                        if (await(write)) {
                            return;
                        }
                    }
                    case 1 -> {
                        assertEquals(64, result());
                        out.release();
                        var read = ops().read(readFd, in, 0, 64, Ops.CURRENT_POSITION);
                        fixedOps += read.opcode() == Opcode.READ_FIXED ? 1 : 0;
                        state = 2;
                        if (await(read)) {
                            return;
                        }
                    }
                    case 2 -> {
                        assertEquals(64, result());
                        assertEquals(done, in.segment().get(JAVA_LONG, 0));
                        in.release();
                        done++;
                        state = 0;
                    }
                    default -> throw new IllegalStateException("state " + state);
                }
            }
        }
    }

    /** Counts what a multishot receive delivers and gives each buffer straight back to the ring. */
    static final class Counting implements MultishotReceive.Handler {
        long received;
        long chunks;
        int end = 1;

        @Override
        public void onData(Buffer data) {
            received += data.length();
            chunks++;
            data.release();
        }

        @Override
        public void onEnd(int result) {
            end = result;
        }
    }

    /** Sets up, on the worker, a provided-buffer group and a multishot receive on {@code fd} into it. */
    static final class StartReceive extends Frame<MultishotReceive> {
        private final int fd;
        private final Counting counting;
        ProvidedBuffers group;

        StartReceive(int fd, Counting counting) {
            this.fd = fd;
            this.counting = counting;
        }

        @Override
        protected void step() throws Throwable {
            group = ProvidedBuffers.open(worker().ring(), 7, 16, 4096);
            complete(MultishotReceive.start(ops(), fd, group, counting));
        }
    }

    /** Sends {@code writes} chunks of 4 KiB on {@code fd}, then waits (NOP by NOP) until all of it was received. */
    static final class SendRounds extends Frame<Long> {
        private final int fd;
        private final java.lang.foreign.MemorySegment chunk;
        private final Counting counting;
        private final long writes;
        private long done;
        private long sent;
        private long target;

        SendRounds(int fd, java.lang.foreign.MemorySegment chunk, Counting counting, long writes) {
            this.fd = fd;
            this.chunk = chunk;
            this.counting = counting;
            this.writes = writes;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                target = counting.received;
            } else if (state == 1) {
                sent += result();
                done++;
            }
            if (done < writes) {
                state = 1;
                await(ops().write(fd, chunk, 0, (int) chunk.byteSize(), Ops.CURRENT_POSITION));
                return;
            }
            if (counting.received < target + sent) {
                state = 2;
                await(ops().nop());
                return;
            }
            complete(sent);
        }
    }

    /** Stops the receive and waits for its end, then closes the group. */
    static final class StopReceive extends Frame<Integer> {
        private final MultishotReceive receive;
        private final Counting counting;
        private final ProvidedBuffers group;

        StopReceive(MultishotReceive receive, Counting counting, ProvidedBuffers group) {
            this.receive = receive;
            this.counting = counting;
            this.group = group;
        }

        @Override
        protected void step() {
            receive.stop();
            if (!receive.isEnded()) {
                await(ops().nop());
                return;
            }
            group.close();
            complete(counting.end);
        }
    }

    @Test
    void warmedWorkerReceivingIntoProvidedBuffersAllocatesNothingPerCompletion() throws Throwable {
        ProvidedBufferRingTest.assumeMultishotRecv();
        try (SocketPair pair = new SocketPair(); IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            Counting counting = new Counting();
            StartReceive start = new StartReceive(pair.a, counting);
            MultishotReceive receive;
            try {
                receive = w.syncWait(start);
            } catch (dev.kio.OpException e) {
                assumeTrue(e.errno() != dev.kio.runtime.sys.Errno.EINVAL, "provided buffer rings need Linux 5.19");
                throw e;
            }
            java.lang.foreign.MemorySegment chunk = java.lang.foreign.Arena.global().allocate(4096);
            for (int warmup = 0; warmup < 3; warmup++) {
                w.syncWait(new Measured(new SendRounds(pair.b, chunk, counting, 20_000)));
            }
            long chunksBefore = counting.chunks;
            long writes = 50_000;
            long allocated = w.syncWait(new Measured(new SendRounds(pair.b, chunk, counting, writes)));
            long ops = writes + counting.chunks - chunksBefore;
            System.out.printf("multishot receive into provided buffers: %d bytes over %d writes and receive"
                    + " completions (%.4f bytes/op), %d re-arms after ENOBUFS%n", allocated, ops,
                    (double) allocated / ops, receive.starvations());
            assertTrue(allocated < ops, "allocated " + allocated + " bytes over " + ops + " ops");
            assertEquals(-dev.kio.runtime.sys.Errno.ECANCELED, w.syncWait(new StopReceive(receive, counting, start.group)));
        }
    }

    @Test
    void warmedWorkerMovingDataThroughPooledBuffersAllocatesNothingPerOperation() throws Exception {
        assumeTrue(IoUring.support().supports(Opcode.READ_FIXED));
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        int[] pipe = WorkerBuffersTest.pipe();
        long rounds = 100_000;
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            for (int warmup = 0; warmup < 3; warmup++) {
                w.syncWait(new Measured(new PipeRounds(pipe, 50_000)));
            }
            PipeRounds measured = new PipeRounds(pipe, rounds);
            long allocated = w.syncWait(new Measured(measured));
            long ops = 2 * rounds;
            assertEquals(ops, measured.fixedOps, "every op used a registered buffer");
            System.out.printf("pooled buffers, fixed write+read on a pipe: %d bytes over %d ops (%.4f bytes/op)%n",
                    allocated, ops, (double) allocated / ops);
            assertTrue(allocated < ops, "allocated " + allocated + " bytes over " + ops + " ops");
        } finally {
            Native.close(pipe[0]);
            Native.close(pipe[1]);
        }
    }
}
