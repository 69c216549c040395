package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class AffinityTest {

    /** Reads the worker thread's CPU mask from the kernel, from the worker itself. */
    static final class ReadAffinity extends Frame<int[]> {
        @Override
        protected void step() {
            complete(IoPool.allowedCpus());
        }
    }

    @Test
    void workerThreadAffinityReadBackEqualsTheRequestedCpu() throws Exception {
        int[] allowed = IoPool.allowedCpus();
        int last = allowed[allowed.length - 1];
        try (IoPool pool = IoPool.builder().workers(1).cpus(last).start()) {
            Worker w = pool.worker(0);
            assertEquals(last, w.cpu());
            assertArrayEquals(new int[] {last}, w.affinity());
            assertArrayEquals(new int[] {last}, w.syncWait(new ReadAffinity()));
        }
    }

    @Test
    void defaultPoolHasOneWorkerPerAllowedCpuEachPinnedToItsOwn() throws Exception {
        int[] allowed = IoPool.allowedCpus();
        try (IoPool pool = IoPool.builder().start()) {
            assertEquals(allowed.length, pool.size());
            for (int i = 0; i < pool.size(); i++) {
                assertArrayEquals(new int[] {allowed[i]}, pool.worker(i).syncWait(new ReadAffinity()));
            }
        }
    }

    @Test
    void pinningToACpuOutsideTheAllowedSetFailsStartWithTheReason() {
        int outside = Arrays.stream(IoPool.allowedCpus()).max().orElseThrow() + 1000;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> IoPool.builder().workers(1).cpus(outside).start());
        assertTrue(e.getMessage().contains("cannot pin") && e.getMessage().contains("CPU " + outside), e.getMessage());
    }

    @Test
    void sameKeyAlwaysPicksTheSameWorker() throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).pin(false).start()) {
            for (int i = 0; i < 100; i++) {
                String key = "/data/file-" + i;
                assertEquals(pool.workerFor(key), pool.workerFor(new String(key)));
            }
        }
    }
}
