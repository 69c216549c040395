package dev.kio.processor;

import static dev.kio.processor.FlowHarness.handler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.Task;
import dev.kio.processor.FlowHarness.Handler;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A property, not a speed: on a warmed worker, generated flows allocate nothing per await, and
 * starting a flow takes a pooled frame instead of a new one.
 */
@Timeout(120)
class FlowAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static final String FLOWS = """
                @Flow
                long readyAwaits(int n) throws OpException {
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += await(ops().ready(1));
                    }
                    return sum;
                }

                @Flow
                int tiny(int x) throws OpException {
                    return await(ops().ready(x));
                }

                @Flow
                int small(int x) throws OpException {
                    return tiny(x) + tiny(x + 1);
                }

                @Flow
                long starts(int n) throws OpException {
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        // Results stay within Integer's cache: boxing a Task's value is not what is measured.
                        Task<Integer> t = H_Kio.small(this, i & 31);
                        sum += await(t);
                    }
                    return sum;
                }
            """;

    private static IoPool pool;
    private static Worker worker;

    @BeforeAll
    static void startPool() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        pool = IoPool.builder().workers(1).pin(false).start();
        worker = pool.worker(0);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Awaits a flow on the worker and gives the bytes the worker's thread allocated meanwhile. */
    static final class Measured extends Frame<Long> {
        private final Task<?> flow;
        private long before;
        Object result;

        Measured(Task<?> flow) {
            this.flow = flow;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                before = THREADS.getCurrentThreadAllocatedBytes();
                state = 1;
                if (await(flow)) {
                    return;
                }
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            result = resultOf(flow);
            complete(allocated);
        }
    }

    /** Runs the flow three times to warm the worker and the JIT, then once measured. */
    private static long allocatedByWarmRun(Handler h, Object expected, String flow, Object... args) throws Exception {
        Object handler = h.newInstance();
        for (int warmup = 0; warmup < 3; warmup++) {
            worker.syncWait(new Measured(h.start(handler, flow, args)));
        }
        Measured run = new Measured(h.start(handler, flow, args));
        long allocated = worker.syncWait(run);
        assertEquals(expected, run.result);
        return allocated;
    }

    @Test
    void warmedFlowAllocatesLessThanOneBytePerReadyAwait() throws Exception {
        int awaits = 1_000_000;
        long allocated = allocatedByWarmRun(handler(FLOWS), (long) awaits, "readyAwaits", awaits);
        assertTrue(allocated < awaits, "allocated " + allocated + " bytes over " + awaits + " awaits");
    }

    @Test
    void startingPooledFlowsWithNestedFlowsAllocatesNothingOnAWarmedWorker() throws Exception {
        int starts = 100_000;
        long expected = 0;
        for (int i = 0; i < starts; i++) {
            expected += 2 * (i & 31) + 1;
        }
        long allocated = allocatedByWarmRun(handler(FLOWS), expected, "starts", starts);
        assertTrue(allocated < starts, "allocated " + allocated + " bytes over " + starts + " flow starts");
    }
}
