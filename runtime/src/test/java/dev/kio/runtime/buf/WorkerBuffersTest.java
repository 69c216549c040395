package dev.kio.runtime.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.kio.OpCancelledException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker's own pool ({@link Worker#buffers()}): set up on first use, and whatever ends the
 * work that lent a buffer (a frame's exception, a stop), the pool's memory is given back only
 * after the kernel's completions, or kept for good when they never come.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(60)
class WorkerBuffersTest {

    static int[] pipe() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(java.lang.foreign.ValueLayout.JAVA_INT, 2);
            int rc = Native.pipe(fds, 0x80000);
            assertEquals(0, rc, () -> "pipe2: " + Errno.name(-rc));
            return new int[] {fds.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 0),
                    fds.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1)};
        }
    }

    /** The worker's pool and where it stands: {held, lent buffers}. */
    static final class PoolState extends Frame<int[]> {
        BufferPool pool;

        @Override
        protected void step() {
            pool = worker().buffers();
            complete(new int[] {pool.held(), pool.lentBuffers()});
        }
    }

    /**
     * Reads an empty pipe into a pooled buffer and a NOP at once; when the NOP completes it
     * releases the buffer, still lent to the read, and throws.
     */
    static final class FailsWithABufferLent extends Frame<Void> {
        private final int fd;
        boolean lentAtThrow;
        int heldAtThrow;

        FailsWithABufferLent(int fd) {
            this.fd = fd;
        }

        @Override
        protected void step() {
            BufferPool pool = worker().buffers();
            if (state == 0) {
                Buffer buffer = pool.acquire();
                state = 1;
                await(ops().read(fd, buffer, 0, 64, Ops.CURRENT_POSITION));
                await(ops().nop());
                buffer.release();
                lentAtThrow = buffer.isLent();
                heldAtThrow = pool.held();
                return;
            }
            throw new IllegalStateException("the handler failed");
        }
    }

    @Test
    void everyWorkerSetsUpItsPoolWithTheBuildersConfiguration() throws Exception {
        BufferPool.Config config = new BufferPool.Config(4096, 8, 16);
        try (IoPool pool = IoPool.builder().workers(2).pin(false).buffers(config).start()) {
            for (Worker w : pool.workers()) {
                long bufferBytes = w.syncWait(new Frame<Long>() {
                    @Override
                    protected void step() {
                        Buffer buffer = worker().buffers().acquire();
                        long bytes = buffer.segment().byteSize();
                        buffer.release();
                        complete(bytes);
                    }
                });
                PoolState state = new PoolState();
                w.syncWait(state);
                assertEquals(config, state.pool.config(), () -> "on " + w);
                assertEquals(4096, bufferBytes, () -> "on " + w);
            }
        }
    }

    @Test
    void aFrameThatFailsWithABufferLentGetsItBackOnlyAfterItsReadIsCancelled() throws Exception {
        int[] pipe = pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            PoolState first = new PoolState();
            assertEquals(0, w.syncWait(first)[0]);
            FailsWithABufferLent failing = new FailsWithABufferLent(pipe[0]);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.syncWait(failing));
            assertEquals("the handler failed", e.getMessage());
            assertTrue(failing.lentAtThrow, "released while the read had it");
            assertEquals(1, failing.heldAtThrow, "so not back in the pool yet");
            PoolState after = new PoolState();
            int[] state = w.syncWait(after);
            assertSame(first.pool, after.pool, "one pool per worker");
            assertEquals(0, state[0], "back once the frame drained its cancelled read");
            assertEquals(0, state[1]);
        } finally {
            Native.close(pipe[0]);
            Native.close(pipe[1]);
        }
    }

    /** Reads an empty pipe into a pooled buffer, releasing it at once; records what it saw at completion. */
    static final class LentRead extends Frame<Void> {
        private final int fd;
        private final CountDownLatch submitted;
        volatile BufferPool pool;
        volatile MemorySegment memory;
        volatile boolean lentAtCompletion;
        volatile boolean freedAtCompletion;

        LentRead(int fd, CountDownLatch submitted) {
            this.fd = fd;
            this.submitted = submitted;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                pool = worker().buffers();
                Buffer buffer = pool.acquire();
                memory = buffer.segment();
                state = 1;
                await(ops().read(fd, buffer, 0, 64, Ops.CURRENT_POSITION));
                buffer.release();
                submitted.countDown();
                return;
            }
            lentAtCompletion = pool.lentBuffers() == 1;
            freedAtCompletion = pool.isFreed();
            result();
            complete(null);
        }
    }

    @Test
    void stopWithABufferLentFreesThePoolOnlyAfterTheKernelCompletesTheRead() throws Exception {
        int[] pipe = pipe();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CountDownLatch submitted = new CountDownLatch(1);
        LentRead read = new LentRead(pipe[0], submitted);
        try {
            IoPool pool = IoPool.builder().workers(1).uncaughtExceptionHandler((w, t) -> failure.complete(t)).start();
            pool.worker(0).spawn(read);
            assertTrue(submitted.await(10, TimeUnit.SECONDS));
            pool.close();
            assertInstanceOf(OpCancelledException.class, failure.get(5, TimeUnit.SECONDS));
        } finally {
            Native.close(pipe[0]);
            Native.close(pipe[1]);
        }
        assertTrue(read.lentAtCompletion, "the cancelled read still had the buffer when it completed");
        assertFalse(read.freedAtCompletion, "so the pool was not freed before");
        assertTrue(read.pool.isFreed(), "and it was freed after");
        assertFalse(read.memory.scope().isAlive());
    }

    @Test
    void stopPastTheGracePeriodKeepsTheMemoryOfALentBufferForGood() throws Exception {
        int[] pipe = pipe();
        CountDownLatch submitted = new CountDownLatch(1);
        LentRead read = new LentRead(pipe[0], submitted);
        try {
            IoPool pool = IoPool.builder().workers(1).stopGrace(Duration.ZERO).uncaughtExceptionHandler((w, t) -> { })
                    .start();
            pool.worker(0).spawn(read);
            assertTrue(submitted.await(10, TimeUnit.SECONDS));
            pool.close();
            assertTrue(pool.awaitTermination(Duration.ofSeconds(5)));
        } finally {
            Native.close(pipe[0]);
            Native.close(pipe[1]);
        }
        assertNotNull(read.pool);
        assertTrue(read.pool.isClosed());
        assertFalse(read.pool.isFreed(), "no completion came before the ring closed: the memory is not freed");
        assertTrue(read.memory.scope().isAlive());
    }
}
