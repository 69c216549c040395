package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker's ring and op table belong to its thread. Frames reach the table without a check per
 * op because a frame's step runs only on its worker's thread, which {@code Frame.resume} checks.
 */
@Timeout(60)
class OwnerThreadTest {

    @Test
    void opsFromAPlainThreadFailNamingTheWorkersThread() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).threadNamePrefix("owner-").start()) {
            Worker w = pool.worker(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, w::ops);
            assertEquals("worker 0's ring belongs to its own thread " + w.thread.getName() + ", not "
                    + Thread.currentThread().getName(), e.getMessage());
        }
    }

    @Test
    void frameResumedOffItsWorkersThreadFailsBeforeItsStepRuns() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).threadNamePrefix("owner-").start()) {
            Worker w = pool.worker(0);
            int activeBefore = w.syncWait(new NopRoundTripTest.TableSnapshot())[0];
            NopRoundTripTest.NopLoop loop = new NopRoundTripTest.NopLoop(1, 1);
            loop.worker = w;
            IllegalStateException e = assertThrows(IllegalStateException.class, loop::resume);
            assertEquals("worker 0's ring belongs to its own thread " + w.thread.getName() + ", not "
                    + Thread.currentThread().getName(), e.getMessage());
            // Its step never ran: no op was taken from the table, and the frame can still run where it belongs.
            assertFalse(loop.isDone());
            assertEquals(activeBefore, w.syncWait(new NopRoundTripTest.TableSnapshot())[0]);
            assertEquals(1L, w.syncWait(loop));
        }
    }
}
