package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A property, not a speed: a warmed worker allocates nothing per operation. */
@Timeout(120)
class SteadyStateAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Runs a NOP loop on the worker and returns the bytes its thread allocated meanwhile. */
    static final class MeasuredNops extends Frame<Long> {
        private final NopRoundTripTest.NopLoop loop;
        private long before;

        MeasuredNops(int batch, long count) {
            this.loop = new NopRoundTripTest.NopLoop(batch, count);
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
            assertEquals(loopCount(), resultOf(loop));
            complete(allocated);
        }

        private long loopCount() {
            return loop.count();
        }
    }

    @Test
    void warmedWorkerAllocatesLessThanOneBytePerNop() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        long ops = 1_000_000;
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            for (int warmup = 0; warmup < 3; warmup++) {
                w.syncWait(new MeasuredNops(32, 200_000));
            }
            long allocated = w.syncWait(new MeasuredNops(32, ops));
            assertTrue(allocated < ops, "allocated " + allocated + " bytes over " + ops + " NOPs");
        }
    }
}
