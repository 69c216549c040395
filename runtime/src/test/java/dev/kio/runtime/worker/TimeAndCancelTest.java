package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpCancelledException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;

@Timeout(60)
class TimeAndCancelTest {
    /** Scheduling on a loaded 2-core machine: lateness we accept for a timer. */
    private static final long SLACK_NANOS = Duration.ofMillis(500).toNanos();

    /** Sleeps, returning how long the sleep took. */
    static final class Sleep extends Frame<Long> {
        private final long nanos;
        private long start;

        Sleep(long nanos) {
            this.nanos = nanos;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                start = System.nanoTime();
                state = 1;
                await(ops().sleep(nanos));
                return;
            }
            result();
            complete(System.nanoTime() - start);
        }
    }

    /** Reads a pipe that never gets data, with an op timeout; returns how long until it failed. */
    static final class ReadWithTimeout extends Frame<Long> {
        private final int fd;
        private final long timeout;
        private final MemorySegment buf = Arena.ofAuto().allocate(16);
        private long start;

        ReadWithTimeout(int fd, long timeout) {
            this.fd = fd;
            this.timeout = timeout;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                start = System.nanoTime();
                state = 1;
                await(ops().read(fd, buf, 0, 16, Ops.CURRENT_POSITION).timeout(timeout));
                return;
            }
            try {
                result();
                throw new AssertionError("the read completed");
            } catch (OpTimedOutException e) {
                assertTrue(e.getMessage().contains("read(fd " + fd + ") timed out"), e.getMessage());
                complete(System.nanoTime() - start);
            }
        }
    }

    /** Starts a read that would never complete, cancels it, and reports how it ended. */
    static final class CancelRead extends Frame<String> {
        private final int fd;
        private final MemorySegment buf = Arena.ofAuto().allocate(16);
        boolean cancelAccepted;
        boolean cancelAfterCompletionAccepted;
        private long token;

        CancelRead(int fd) {
            this.fd = fd;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                Op read = ops().read(fd, buf, 0, 16, Ops.CURRENT_POSITION);
                state = 1;
                await(read);
                token = read.token();
                cancelAccepted = worker().cancel(token);
                return;
            }
            cancelAfterCompletionAccepted = worker().cancel(token);
            try {
                result();
                complete("completed");
            } catch (OpCancelledException e) {
                complete(e.getMessage());
            }
        }
    }

    @Test
    void sleepFiresWithinTolerance() throws Exception {
        long want = Duration.ofMillis(50).toNanos();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            long took = pool.worker(0).syncWait(new Sleep(want));
            assertTrue(took >= want, "slept " + took + " ns, asked " + want);
            assertTrue(took < want + SLACK_NANOS, "slept " + took + " ns, asked " + want);
        }
    }

    @Test
    void opTimeoutFiresWithinToleranceAndNamesTheOperation() throws Exception {
        long timeout = Duration.ofMillis(50).toNanos();
        int[] pipe = Probes.pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            long took = pool.worker(0).syncWait(new ReadWithTimeout(pipe[0], timeout));
            assertTrue(took >= timeout - Duration.ofMillis(1).toNanos(), "timed out after " + took + " ns");
            assertTrue(took < timeout + SLACK_NANOS, "timed out after " + took + " ns");
        } finally {
            Probes.close(pipe);
        }
    }

    @Test
    void cancellingAPipeReadThatWouldNeverCompleteEndsItCancelled() throws Exception {
        int[] pipe = Probes.pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            CancelRead frame = new CancelRead(pipe[0]);
            assertEquals("read(fd " + pipe[0] + ") was cancelled", pool.worker(0).syncWait(frame));
            assertTrue(frame.cancelAccepted);
            assertEquals(false, frame.cancelAfterCompletionAccepted, "a token of a completed op is refused");
        } finally {
            Probes.close(pipe);
        }
    }

    @Test
    void invalidTimesAreRefusedBeforeSubmission() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            String answer = pool.worker(0).syncWait(new Frame<String>() {
                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        assertThrows(IllegalArgumentException.class, () -> ops().sleep(-1));
                        Op nop = ops().nop();
                        assertThrows(IllegalArgumentException.class, () -> nop.timeout(0));
                        state = 1;
                        // Still submitted as is: a prepared op holds its slot until it completes.
                        await(nop);
                        return;
                    }
                    assertEquals(0, result());
                    complete("refused");
                }
            });
            assertEquals("refused", answer);
        }
    }
}
