package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpCancelledException;
import dev.kio.runtime.op.Ops;

@Timeout(60)
class ShutdownTest {

    /** A read on a pipe that never gets data; signals once it is in the kernel. */
    static final class PendingRead extends Frame<Void> {
        private final int fd;
        private final CountDownLatch submitted;
        private final MemorySegment buf = Arena.ofAuto().allocate(64);

        PendingRead(int fd, CountDownLatch submitted) {
            this.fd = fd;
            this.submitted = submitted;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                await(ops().read(fd, buf, 0, 64, Ops.CURRENT_POSITION));
                submitted.countDown();
                return;
            }
            result();
            complete(null);
        }
    }

    @Test
    void stopWithPendingPipeReadsReturnsWithinBoundAndLeavesNoFdOrThread() throws Exception {
        long fdsBefore = Probes.openFds();
        long threadsBefore = Probes.liveWorkerThreads();
        int readers = 16;
        int[][] pipes = new int[readers][];
        for (int i = 0; i < readers; i++) {
            pipes[i] = Probes.pipe();
        }
        CompletableFuture<Throwable> firstFailure = new CompletableFuture<>();
        CountDownLatch submitted = new CountDownLatch(readers);
        IoPool pool = IoPool.builder().workers(2).stopGrace(Duration.ofSeconds(2))
                .uncaughtExceptionHandler((w, t) -> firstFailure.complete(t)).start();
        for (int i = 0; i < readers; i++) {
            pool.worker(i % 2).spawn(new PendingRead(pipes[i][0], submitted));
        }
        assertTrue(submitted.await(30, TimeUnit.SECONDS));

        long start = System.nanoTime();
        pool.close();
        long took = System.nanoTime() - start;

        assertTrue(took < Duration.ofSeconds(2).toNanos(), "stop took " + took / 1_000_000 + " ms");
        assertInstanceOf(OpCancelledException.class, firstFailure.get(5, TimeUnit.SECONDS),
                "pending reads end cancelled, through their tasks");
        for (int[] p : pipes) {
            Probes.close(p);
        }
        assertEquals(threadsBefore, Probes.liveWorkerThreads(), "worker threads left");
        assertEquals(fdsBefore, Probes.openFds(), "fds left");
    }

    @Test
    void stoppedWorkerRefusesNewTasks() throws Exception {
        IoPool pool = IoPool.builder().workers(1).start();
        Worker w = pool.worker(0);
        pool.close();
        assertThrows(RejectedExecutionException.class, () -> w.spawn(new TaskModelTest.Value<>("late")));
        assertThrows(RejectedExecutionException.class, () -> w.syncWait(new TaskModelTest.Value<>("late")));
    }

    @Test
    void frameSwitchingToAStoppedWorkerFailsInsteadOfVanishing() throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            IoPool other = IoPool.builder().workers(1).start();
            Worker gone = other.worker(0);
            other.close();
            Frame<String> mover = new Frame<>() {
                @Override
                protected void step() {
                    switchTo(gone);
                    complete("moved");
                }
            };
            assertThrows(RejectedExecutionException.class, () -> pool.worker(0).syncWait(mover));
        }
    }
}
