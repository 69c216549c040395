package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpCancelledException;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;

/** {@link Frame#awaitAll()}: a frame with several ops in flight resumed once, when the kernel is done with all of them. */
@Timeout(60)
class AwaitAllTest {
    private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(30);

    /**
     * Awaits a NOP, a 30 ms timer and another NOP as a whole; reports its steps and whether it
     * resumed after the timer (the NOPs complete at once, so resuming on one would be early).
     */
    static final class Batch extends Frame<String> {
        private int steps;
        private long started;

        @Override
        protected void step() throws Throwable {
            steps++;
            if (state == 0) {
                started = System.nanoTime();
                await(ops().nop());
                await(ops().sleep(SLEEP_NANOS));
                await(ops().nop());
                state = 1;
                assertTrue(awaitAll());
                return;
            }
            joined();
            long waited = System.nanoTime() - started;
            complete("steps " + steps + ", waited for the timer " + (waited >= SLEEP_NANOS));
        }
    }

    @Test
    void awaitAllResumesTheFrameOnceAfterEveryOpHasCompleted() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertEquals("steps 2, waited for the timer true", pool.worker(0).syncWait(new Batch()));
        }
    }

    @Test
    void aFailedOpIsRethrownByJoinedOnlyOnceTheOthersAreDone() throws Exception {
        int badFd = Integer.MAX_VALUE;
        MemorySegment buf = Arena.ofAuto().allocate(8);
        long[] started = new long[1];
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            OpException e = assertThrows(OpException.class, () -> pool.worker(0).syncWait(new Frame<Void>() {
                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        started[0] = System.nanoTime();
                        // The read fails at once; the timer keeps the join waiting.
                        await(ops().read(badFd, buf, 0, 8, Ops.CURRENT_POSITION));
                        await(ops().sleep(SLEEP_NANOS));
                        state = 1;
                        awaitAll();
                        return;
                    }
                    assertTrue(System.nanoTime() - started[0] >= SLEEP_NANOS, "resumed before the timer fired");
                    joined();
                    complete(null);
                }
            }));
            assertEquals("EBADF", e.errnoName());
            assertEquals("read(fd " + badFd + ") failed: EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    @Test
    void awaitAllWithNothingInFlightContinuesInline() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertEquals(Boolean.FALSE, pool.worker(0).syncWait(new Frame<Boolean>() {
                @Override
                protected void step() throws Throwable {
                    boolean suspended = awaitAll();
                    joined();
                    complete(suspended);
                }
            }));
        }
    }

    @Test
    void stoppingTheWorkerEndsAJoinWithItsCancelledRead() throws Exception {
        int[] pipe = Probes.pipe();
        MemorySegment buf = Arena.ofAuto().allocate(8);
        CountDownLatch joining = new CountDownLatch(1);
        Throwable[] uncaught = new Throwable[1];
        Frame<Void> reader = new Frame<>() {
            @Override
            protected void step() throws Throwable {
                if (state == 0) {
                    // Nothing is ever written: only the stop's cancel ends the read.
                    await(ops().read(pipe[0], buf, 0, 8, Ops.CURRENT_POSITION));
                    await(ops().nop());
                    state = 1;
                    awaitAll();
                    joining.countDown();
                    return;
                }
                joined();
                complete(null);
            }
        };
        try {
            try (IoPool pool = IoPool.builder().workers(1).uncaughtExceptionHandler((w, t) -> uncaught[0] = t).start()) {
                pool.worker(0).spawn(reader);
                assertTrue(joining.await(10, TimeUnit.SECONDS));
                assertFalse(reader.isDone());
            }
            assertTrue(reader.isDone());
            OpCancelledException e = assertInstanceOf(OpCancelledException.class, uncaught[0]);
            assertEquals("read", e.operation());
        } finally {
            Probes.close(pipe);
        }
    }
}
