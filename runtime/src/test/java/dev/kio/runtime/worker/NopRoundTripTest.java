package dev.kio.runtime.worker;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpException;
import dev.kio.runtime.op.OpTable;
import dev.kio.runtime.op.Ops;

@Timeout(120)
class NopRoundTripTest {

    /** Issues {@code count} NOPs, {@code batch} at a time, and counts their completions. */
    static final class NopLoop extends Frame<Long> {
        private final int batch;
        private final long count;
        private long done;
        private int pending;

        NopLoop(int batch, long count) {
            this.batch = batch;
            this.count = count;
        }

        long count() {
            return count;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 1) {
                result();
                done++;
                if (--pending > 0) {
                    awaitMore();
                    return;
                }
            }
            if (done == count) {
                complete(done);
                return;
            }
            state = 1;
            int n = (int) Math.min(batch, count - done);
            pending = n;
            for (int i = 0; i < n; i++) {
                await(ops().nop());
            }
        }
    }

    /** Reads the op table's occupancy on the worker: {active, capacity, owed}. */
    static final class TableSnapshot extends Frame<int[]> {
        @Override
        protected void step() {
            OpTable t = ops().table();
            complete(new int[] {t.active(), t.capacity(), t.owed()});
        }
    }

    /** Writes then reads one byte through a pipe, {@code rounds} times. */
    static final class PipeEcho extends Frame<Long> {
        private final int readFd;
        private final int writeFd;
        private final long rounds;
        private final MemorySegment buf = Arena.ofAuto().allocate(1);
        private long done;

        PipeEcho(int[] pipe, long rounds) {
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
                        buf.set(JAVA_BYTE, 0, (byte) done);
                        state = 1;
                        if (await(ops().write(writeFd, buf, 0, 1, Ops.CURRENT_POSITION))) {
                            return;
                        }
                    }
                    case 1 -> {
                        assertEquals(1, result());
                        buf.set(JAVA_BYTE, 0, (byte) -1);
                        state = 2;
                        if (await(ops().read(readFd, buf, 0, 1, Ops.CURRENT_POSITION))) {
                            return;
                        }
                    }
                    case 2 -> {
                        assertEquals(1, result());
                        assertEquals((byte) done, buf.get(JAVA_BYTE, 0));
                        done++;
                        state = 0;
                    }
                    default -> throw new IllegalStateException("state " + state);
                }
            }
        }
    }

    @Test
    void batchOfNopsRoundTrips() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertEquals(100_000L, pool.worker(0).syncWait(new NopLoop(32, 100_000)));
        }
    }

    @Test
    void pipeWriteThenReadRoundTripsEveryByte() throws Exception {
        int[] pipe = Probes.pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertEquals(10_000L, pool.worker(0).syncWait(new PipeEcho(pipe, 10_000)));
        } finally {
            Probes.close(pipe);
        }
    }

    /** Closes an fd through io_uring and reports the result. */
    static final class CloseFd extends Frame<Integer> {
        private final int fd;

        CloseFd(int fd) {
            this.fd = fd;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                await(ops().close(fd));
                return;
            }
            complete(result());
        }
    }

    @Test
    void closeOpClosesTheFdAndABadFdFailsWithEbadf() throws Exception {
        long fdsBefore = Probes.openFds();
        int[] pipe = Probes.pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            long fdsWithPipeAndPool = Probes.openFds();
            assertEquals(0, w.syncWait(new CloseFd(pipe[0])));
            assertEquals(0, w.syncWait(new CloseFd(pipe[1])));
            assertEquals(fdsWithPipeAndPool - 2, Probes.openFds());
            OpException e = assertThrows(OpException.class, () -> w.syncWait(new CloseFd(pipe[1])));
            assertEquals("EBADF", e.errnoName());
            assertEquals("close(fd " + pipe[1] + ") failed: EBADF (Bad file descriptor)", e.getMessage());
        }
        assertEquals(fdsBefore, Probes.openFds());
    }

    @Test
    void millionOperationsLeaveOpTableAndFdsUnchanged() throws Exception {
        long fdsBefore = Probes.openFds();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            int[] before = w.syncWait(new TableSnapshot());
            assertEquals(1_000_000L, w.syncWait(new NopLoop(64, 1_000_000)));
            int[] pipe = Probes.pipe();
            try {
                assertEquals(50_000L, w.syncWait(new PipeEcho(pipe, 50_000)));
            } finally {
                Probes.close(pipe);
            }
            int[] after = w.syncWait(new TableSnapshot());
            assertEquals(before[0], after[0], "ops in use");
            assertEquals(before[1], after[1], "op table capacity");
            assertEquals(before[2], after[2], "ops the kernel owes");
        }
        assertEquals(fdsBefore, Probes.openFds(), "open fds");
    }
}
