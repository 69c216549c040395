package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpState;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.op.RingHarness;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A buffer lent to the kernel is neither reused nor freed before the op's last completion,
 * whatever its holder does meanwhile: release it, cancel the op, or close the pool. Reads on an
 * empty pipe keep the kernel holding the buffer for as long as the test needs.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeferredReleaseTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    @BeforeEach
    void fixedReadAndCancelSupported() throws Exception {
        var support = IoUring.support();
        assumeTrue(support.supports(Opcode.READ_FIXED) && support.supports(Opcode.ASYNC_CANCEL));
    }

    /** Where the buffer stood each time the read's waiter ran, before the table returned the loan. */
    record AtCompletion(Outcome outcome, int result, boolean lent, int available) {
    }

    /** Submits a fixed read of {@code buffer} on {@code fd} and enters, so that the kernel holds it. */
    private static Op parkRead(RingHarness h, BufferPool pool, Buffer buffer, int fd, List<AtCompletion> seen) {
        Op read = h.ops.readFixed(fd, buffer, 0, 64, Ops.CURRENT_POSITION);
        h.table.submit(read, op -> seen.add(new AtCompletion(op.outcome(), op.result(), buffer.isLent(), pool.available())));
        assertEquals(1, h.ring.enter(0), "the read is in the kernel, parked on the empty pipe");
        h.reap();
        assertEquals(OpState.SUBMITTED, read.state());
        assertTrue(buffer.isLent());
        return read;
    }

    @Test
    void releaseWhileKernelOwnsItIsDeferredUntilCompletion() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, new BufferPool.Config(4096, 2, 2));
            Buffer lent = pool.acquire();
            List<AtCompletion> seen = new ArrayList<>();
            parkRead(h, pool, lent, pipe[0], seen);

            lent.release();
            assertTrue(lent.isLent());
            assertEquals(1, pool.held(), "released but still the kernel's: not back in the pool");
            assertThrows(IllegalStateException.class, lent::segment, "nor usable by its former holder");
            Buffer other = pool.acquire();
            assertNotSame(lent, other, "the only free buffer is the other one");
            assertThrows(IllegalStateException.class, pool::acquire, "the lent one is not handed out");

            other.segment().set(JAVA_BYTE, 0, (byte) 7);
            h.table.submit(h.ops.write(pipe[1], other, 0, 1, Ops.CURRENT_POSITION), op -> { });
            h.pumpUntil(() -> !seen.isEmpty() && h.table.owed() == 0, LIMIT);

            assertEquals(List.of(new AtCompletion(Outcome.OK, 1, true, 0)), seen,
                    "the read's waiter ran while the buffer was still lent");
            assertFalse(lent.isLent());
            assertEquals(1, pool.held(), "back once the completion arrived");
            assertSame(lent, pool.acquire());
            other.release();
            lent.release();
            pool.close();
        }
    }

    @Test
    void cancelledReadKeepsItsBufferUntilTheCancelCompletionArrives() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, new BufferPool.Config(4096, 1, 1));
            Buffer lent = pool.acquire();
            List<AtCompletion> seen = new ArrayList<>();
            Op read = parkRead(h, pool, lent, pipe[0], seen);

            assertTrue(h.table.cancel(read.token()));
            lent.release();
            assertEquals(OpState.CANCELLING, read.state());
            assertEquals(0, pool.available(), "cancel requested, CQE not in: still lent");
            assertThrows(IllegalStateException.class, pool::acquire);

            h.pumpUntil(() -> !seen.isEmpty() && h.table.owed() == 0, LIMIT);
            AtCompletion done = seen.get(0);
            assertEquals(Outcome.CANCELLED, done.outcome());
            assertTrue(done.lent() && done.available() == 0, "lent until the cancel CQE: " + done);
            assertEquals(1, pool.available(), "back once it arrived");
            assertSame(lent, pool.acquire());
            lent.release();
            pool.close();
        }
    }

    @Test
    void closingThePoolWithABufferLentFreesItsMemoryOnlyAfterTheCompletion() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, new BufferPool.Config(4096, 2, 2));
            Buffer lent = pool.acquire();
            Buffer held = pool.acquire();
            MemorySegment heldMemory = held.segment();
            List<AtCompletion> seen = new ArrayList<>();
            Op read = parkRead(h, pool, lent, pipe[0], seen);

            pool.close();
            assertTrue(pool.isClosed());
            assertFalse(pool.isFreed(), "a buffer is lent: the memory stays");
            assertTrue(heldMemory.scope().isAlive());
            assertThrows(IllegalStateException.class, held::segment, "held buffers are unusable once closed");
            assertThrows(IllegalStateException.class, pool::acquire);

            h.table.cancel(read.token());
            h.pumpUntil(() -> !seen.isEmpty() && h.table.owed() == 0, LIMIT);
            assertTrue(seen.get(0).lent());
            assertTrue(pool.isFreed(), "freed once the last completion arrived");
            assertFalse(heldMemory.scope().isAlive());
            lent.release();
            held.release();
        }
    }
}
