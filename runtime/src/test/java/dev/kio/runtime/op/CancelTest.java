package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.OpCancelledException;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * IORING_OP_ASYNC_CANCEL (5.5) through {@link OpTable#cancel(long)}: the op completes exactly
 * once, CANCELLED or with its real result; tokens that name nothing pending are refused; the
 * op's memory stays the kernel's until its CQE.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CancelTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    @BeforeEach
    void cancelSupported() throws Exception {
        var support = dev.kio.runtime.ring.IoUring.support();
        assumeTrue(support.supports(Opcode.ASYNC_CANCEL) && support.supports(Opcode.READ));
    }

    @Test
    void cancelledReadOnAnEmptyPipeCompletesCancelledExactlyOnce() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            MemorySegment buf = h.arena.allocate(16);
            Completions done = new Completions();
            OpCancelledException[] failure = new OpCancelledException[1];

            Op read = h.ops.read(pipe[0], buf, 0, 16, Ops.CURRENT_POSITION);
            long token = read.token();
            h.table.submit(read, op -> {
                done.onComplete(op);
                failure[0] = assertInstanceOf(OpCancelledException.class,
                        op.failure());
            });
            assertEquals(1, h.ring.enter(0), "the read is in the kernel, parked on the empty pipe");
            h.reap();
            assertEquals(OpState.SUBMITTED, read.state());

            assertTrue(h.table.cancel(token));
            assertEquals(OpState.CANCELLING, read.state(), "cancelling until the kernel's CQE");
            assertSame(buf, read.keepAlive, "the segment stays referenced until completion");
            assertFalse(h.table.cancel(token), "a second cancel has nothing to do");
            assertEquals(0, done.total());

            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            Completions.Seen seen = done.only(token);
            assertEquals(Outcome.CANCELLED, seen.outcome());
            assertTrue(seen.result() == -Errno.ECANCELED || seen.result() == -Errno.EINTR, "result " + seen.result());
            assertNotNull(failure[0]);
            assertEquals("read", failure[0].operation());
            assertTrue(failure[0].getMessage().contains("cancelled"), failure[0].getMessage());

            assertFalse(h.table.cancel(token), "stale token: the op completed and was recycled");
            assertEquals(OpState.FREE, read.state());
            assertEquals(null, read.keepAlive, "released with the slot");
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
            assertEquals(1, done.total());
        }
    }

    @Test
    void cancelBeforeTheReadReachedTheKernelStillCancelsIt() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            Completions done = new Completions();
            Op read = h.ops.read(pipe[0], h.arena.allocate(16), 0, 16, Ops.CURRENT_POSITION);
            long token = read.token();
            h.table.submit(read, done);
            // Read and cancel go to the kernel in the same enter, in that order.
            assertTrue(h.table.cancel(token));
            assertEquals(2, h.ring.sqPending());
            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            assertEquals(Outcome.CANCELLED, done.only(token).outcome());
        }
    }

    @Test
    void segmentOfACancellingReadStaysReachableWithoutAnyOtherReference() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            Completions done = new Completions();
            WeakReference<MemorySegment> ref;
            long token;
            {
                MemorySegment auto = Arena.ofAuto().allocate(64);
                ref = new WeakReference<>(auto);
                Op read = h.ops.read(pipe[0], auto, 0, 64, Ops.CURRENT_POSITION);
                token = read.token();
                h.table.submit(read, done);
            }
            h.ring.enter(0);
            assertTrue(h.table.cancel(token));
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            assertNotNull(ref.get(), "the kernel may still write into it: the table keeps it reachable");
            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            assertEquals(Outcome.CANCELLED, done.only(token).outcome());
        }
    }

    @Test
    void cancelWithAStaleOrForeignTokenReturnsFalse() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions done = new Completions();
            Op nop = h.ops.nop();
            long token = nop.token();
            h.table.submit(nop, done);
            h.pumpUntil(() -> done.done(token), LIMIT);
            assertFalse(h.table.cancel(token), "completed and recycled");

            // The slot is reused: the old token still must not cancel the new op.
            int[] pipe = h.pipe();
            Op read = h.ops.read(pipe[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION);
            assertEquals(UserData.slot(token), UserData.slot(read.token()));
            long readToken = read.token();
            h.table.submit(read, done);
            h.ring.enter(0);
            assertFalse(h.table.cancel(token), "an earlier generation of the slot");
            assertEquals(OpState.SUBMITTED, read.state());
            assertFalse(h.table.cancel(UserData.pack(UserData.generation(readToken), UserData.LINK_TIMEOUT,
                    UserData.slot(readToken))), "not a primary token");
            assertFalse(h.table.cancel(UserData.pack(1, UserData.PRIMARY, h.table.capacity() + 3)),
                    "a slot beyond the table");
            assertFalse(h.table.cancel(UserData.WAKE), "a reserved value");
            assertFalse(h.table.cancel(UserData.pack(1, UserData.PRIMARY, h.table.capacity() - 1)), "a free slot");
            assertEquals(OpState.SUBMITTED, read.state());

            Op prepared = h.ops.nop();
            assertFalse(h.table.cancel(prepared.token()), "prepared, not submitted");
            h.table.submit(prepared, done);

            assertTrue(h.table.cancel(readToken));
            h.pumpUntil(() -> done.done(readToken) && h.table.active() == 0, LIMIT);
            assertEquals(Outcome.CANCELLED, done.only(readToken).outcome());
        }
    }

    @Test
    void cancelLosingTheRaceDeliversTheRealResult() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            Completions done = new Completions();
            Op write = h.ops.write(pipe[1], h.bytes(new byte[] {9, 8, 7}), 0, 3, Ops.CURRENT_POSITION);
            long w = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(w), LIMIT);

            // Data is waiting: the read completes as it is issued, before its cancel is looked at.
            Op read = h.ops.read(pipe[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION);
            long token = read.token();
            h.table.submit(read, done);
            assertTrue(h.table.cancel(token));
            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            Completions.Seen seen = done.only(token);
            assertEquals(Outcome.OK, seen.outcome(), "finished first: its real result wins");
            assertEquals(3, seen.result());
        }
    }

    @Test
    void cancelledSleepEndsCancelledNotOk() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions done = new Completions();
            Op sleep = h.ops.sleep(Duration.ofSeconds(30).toNanos());
            long token = sleep.token();
            h.table.submit(sleep, done);
            h.ring.enter(0);
            assertTrue(h.table.cancel(token));
            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            assertEquals(Outcome.CANCELLED, done.only(token).outcome());
            assertEquals(-Errno.ECANCELED, done.only(token).result());
        }
    }

    @Test
    void cancelledReadWithTimeoutEndsCancelledNotTimedOut() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.LINK_TIMEOUT));
            int[] pipe = h.pipe();
            Completions done = new Completions();
            Op read = h.ops.read(pipe[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION)
                    .timeout(Duration.ofSeconds(30));
            long token = read.token();
            h.table.submit(read, done);
            h.ring.enter(0);
            assertTrue(h.table.cancel(token));
            h.pumpUntil(() -> done.done(token) && h.table.active() == 0, LIMIT);
            assertEquals(Outcome.CANCELLED, done.only(token).outcome());
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void cancelAllStopsEveryPendingOpOnce() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] a = h.pipe();
            int[] b = h.pipe();
            Completions done = new Completions();
            long[] tokens = {
                submit(h, h.ops.read(a[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION), done),
                submit(h, h.ops.read(b[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION), done),
                submit(h, h.ops.sleep(Duration.ofSeconds(30).toNanos()), done),
            };
            h.ring.enter(0);
            assertEquals(3, h.table.cancelAll());
            assertEquals(0, h.table.cancelAll(), "all are cancelling already");
            h.pumpUntil(() -> done.total() == 3 && h.table.active() == 0, LIMIT);
            for (long t : tokens) {
                assertEquals(Outcome.CANCELLED, done.only(t).outcome());
            }
        }
    }

    private static long submit(RingHarness h, Op op, OpWaiter waiter) {
        long token = op.token();
        h.table.submit(op, waiter);
        return token;
    }
}
