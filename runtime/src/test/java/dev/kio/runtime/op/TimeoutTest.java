package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * IORING_OP_TIMEOUT as a pure timer (5.4) and IORING_OP_LINK_TIMEOUT guarding an op (5.5): a
 * timed-out op ends TIMED_OUT, its slot is freed by its own CQE, and its link timeout's CQE, which
 * the kernel may post much later, is counted without holding the slot.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeoutTest {
    private static final Duration SLEEP = Duration.ofMillis(20);
    private static final Duration READ_TIMEOUT = Duration.ofMillis(50);
    private static final Duration WELL_BEFORE = Duration.ofSeconds(2);

    @Test
    void sleepCompletesOkAfterItsDuration() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.TIMEOUT));
            Completions done = new Completions();
            long start = System.nanoTime();
            Op sleep = h.ops.sleep(SLEEP.toNanos());
            long token = sleep.token();
            h.table.submit(sleep, done);
            h.pumpUntil(() -> done.done(token), WELL_BEFORE);
            Completions.Seen seen = done.only(token);
            long elapsed = seen.atNanos() - start;

            assertEquals(Outcome.OK, seen.outcome(), "the kernel's ETIME is a timer's success");
            assertEquals(0, seen.result());
            assertEquals(Opcode.TIMEOUT, seen.opcode());
            assertTrue(elapsed >= SLEEP.toNanos(), "woke after " + elapsed / 1e6 + " ms");
            assertTrue(elapsed < WELL_BEFORE.toNanos(), "woke after " + elapsed / 1e6 + " ms");
            assertEquals(0, h.table.active());
        }
    }

    @Test
    void sleepsCompleteInDeadlineOrder() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.TIMEOUT));
            Completions done = new Completions();
            long[] tokens = new long[3];
            long[] millis = {60, 20, 40};
            for (int i = 0; i < 3; i++) {
                Op op = h.ops.sleep(Duration.ofMillis(millis[i]).toNanos());
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            h.pumpUntil(() -> done.total() == 3, WELL_BEFORE);
            assertTrue(done.only(tokens[1]).atNanos() <= done.only(tokens[2]).atNanos());
            assertTrue(done.only(tokens[2]).atNanos() <= done.only(tokens[0]).atNanos());
        }
    }

    @Test
    void zeroSleepCompletesAtOnceAndNegativeIsRefused() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions done = new Completions();
            Op op = h.ops.sleep(0);
            long token = op.token();
            h.table.submit(op, done);
            h.pumpUntil(() -> done.done(token), WELL_BEFORE);
            assertEquals(Outcome.OK, done.only(token).outcome());
            assertThrows(IllegalArgumentException.class, () -> h.ops.sleep(-1));
            assertEquals(0, h.table.active());
        }
    }

    @Test
    void readOnAnEmptyPipeWithTimeoutEndsTimedOutAndItsOwnCqeFreesItsSlot() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.READ) && h.ring.supports(Opcode.LINK_TIMEOUT));
            int[] pipe = h.pipe();
            MemorySegment buf = h.arena.allocate(32);
            int baseActive = h.table.active();
            Completions done = new Completions();
            OpException[] failure = new OpException[1];

            long start = System.nanoTime();
            Op read = h.ops.read(pipe[0], buf, 0, 32, Ops.CURRENT_POSITION).timeout(READ_TIMEOUT);
            assertEquals(READ_TIMEOUT.toNanos(), read.timeoutNanos());
            long token = read.token();
            h.table.submit(read, op -> {
                done.onComplete(op);
                failure[0] = op.failure();
            });
            h.traceCqes = true;
            h.pumpUntil(() -> h.table.active() == baseActive && h.table.linkTimeoutsOwed() == 0, WELL_BEFORE);

            Completions.Seen seen = done.only(token);
            long elapsed = seen.atNanos() - start;
            assertEquals(Outcome.TIMED_OUT, seen.outcome());
            assertTrue(seen.result() == -Errno.ECANCELED || seen.result() == -Errno.EINTR, "result " + seen.result());
            assertEquals(OpState.COMPLETED, seen.state());
            assertTrue(elapsed >= READ_TIMEOUT.toNanos(), "timed out after " + elapsed / 1e6 + " ms");
            assertTrue(elapsed < WELL_BEFORE.toNanos(), "timed out after " + elapsed / 1e6 + " ms");

            OpTimedOutException e = assertInstanceOf(OpTimedOutException.class, failure[0]);
            assertEquals(READ_TIMEOUT, e.timeout());
            assertEquals("read", e.operation());
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());

            // Two CQEs for the slot, the read's and its link timeout's (in either order); the
            // read's own frees the slot, the link timeout's holds nothing.
            List<long[]> forSlot = h.trace.stream().filter(c -> UserData.slot(c[0]) == UserData.slot(token)).toList();
            assertEquals(2, forSlot.size(), "CQEs for the slot");
            long[] own = forSlot.stream().filter(c -> UserData.kind(c[0]) == UserData.PRIMARY).findFirst().orElseThrow();
            assertTrue(forSlot.stream().anyMatch(c -> UserData.kind(c[0]) == UserData.LINK_TIMEOUT
                    && c[1] == -Errno.ETIME), "the link timeout fired with ETIME");
            assertEquals(baseActive, own[3], "the slot is freed by the read's own CQE");
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void readThatCompletesBeforeItsTimeoutIsOkAndItsLinkTimeoutIsReapedToo() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.READ) && h.ring.supports(Opcode.LINK_TIMEOUT));
            int[] pipe = h.pipe();
            Completions done = new Completions();
            Op write = h.ops.write(pipe[1], h.bytes(new byte[] {1, 2, 3, 4}), 0, 4, Ops.CURRENT_POSITION);
            long w = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(w), WELL_BEFORE);

            long start = System.nanoTime();
            Op read = h.ops.read(pipe[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION)
                    .timeout(Duration.ofSeconds(5));
            long token = read.token();
            h.table.submit(read, done);
            h.traceCqes = true;
            h.pumpUntil(() -> h.table.active() == 0 && h.table.linkTimeoutsOwed() == 0, WELL_BEFORE);
            assertTrue(System.nanoTime() - start < WELL_BEFORE.toNanos());
            Completions.Seen seen = done.only(token);
            assertEquals(Outcome.OK, seen.outcome());
            assertEquals(4, seen.result());
            List<long[]> linkTimeout = h.trace.stream().filter(c -> UserData.kind(c[0]) == UserData.LINK_TIMEOUT)
                    .toList();
            assertEquals(1, linkTimeout.size());
            assertEquals(-Errno.ECANCELED, linkTimeout.get(0)[1], "the unfired link timeout was cancelled");
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void failedOpWithTimeoutEndsFailedAndItsLinkTimeoutCqeStillComes() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.READ) && h.ring.supports(Opcode.LINK_TIMEOUT));
            Completions done = new Completions();
            Op read = h.ops.read(Integer.MAX_VALUE, h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION)
                    .timeout(Duration.ofSeconds(5));
            long token = read.token();
            h.table.submit(read, done);
            h.traceCqes = true;
            h.pumpUntil(() -> h.table.active() == 0 && h.table.linkTimeoutsOwed() == 0, WELL_BEFORE);
            Completions.Seen seen = done.only(token);
            assertEquals(Outcome.FAILED, seen.outcome(), "EBADF is a failure, not a timeout");
            assertEquals(-Errno.EBADF, seen.result());
            assertEquals(2, h.trace.size(), "the read's CQE and its link timeout's");
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    /**
     * Reads that complete while the kernel takes their SQEs (the pipe already holds data): with
     * DEFER_TASKRUN each enter posts only about 40 disarmed link timeouts' CQEs (task work), while
     * this loop disarms 2 per pipe per turn. Slots held until those CQEs grew by thousands per
     * second; slots must stay at what is in flight, and every link timeout's CQE still arrives.
     */
    @Test
    void linkTimeoutsOfOpsCompletingAtSubmissionHoldNoSlots() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.READ) && h.ring.supports(Opcode.LINK_TIMEOUT));
            int pipes = 64;
            int rounds = 20_000;
            long timeout = Duration.ofSeconds(30).toNanos();
            MemorySegment message = h.bytes(new byte[8]);
            MemorySegment buffers = h.arena.allocate(64L * pipes);
            int[] done = {0};
            int[] maxActive = {0};
            OpWaiter[] waiters = new OpWaiter[pipes];
            int[][] fds = new int[pipes][];
            for (int i = 0; i < pipes; i++) {
                int p = i;
                fds[p] = h.pipe();
                waiters[p] = op -> {
                    if (op.opcode() == Opcode.READ) {
                        assertEquals(Outcome.OK, op.outcome(), () -> "read: " + Errno.name(-op.result()));
                        if (++done[0] < rounds) {
                            writeThenRead(h, fds[p], message, buffers.asSlice(64L * p, 64), timeout, waiters[p]);
                        }
                    }
                };
                writeThenRead(h, fds[p], message, buffers.asSlice(64L * p, 64), timeout, waiters[p]);
            }
            h.pumpUntil(() -> {
                maxActive[0] = Math.max(maxActive[0], h.table.active());
                return done[0] >= rounds && h.table.active() == 0;
            }, Duration.ofSeconds(5));
            assertTrue(maxActive[0] <= 2 * pipes, "at most a write and a read per pipe hold slots, saw "
                    + maxActive[0] + " (capacity " + h.table.capacity() + ")");

            h.pumpUntil(() -> h.table.linkTimeoutsOwed() == 0, Duration.ofSeconds(5));
            assertEquals(0, h.table.staleCompletions(), "every link timeout's CQE was expected");
        }
    }

    private static void writeThenRead(RingHarness h, int[] pipe, MemorySegment message, MemorySegment buffer,
            long timeoutNanos, OpWaiter waiter) {
        h.table.submit(h.ops.write(pipe[1], message, 0, 8, Ops.CURRENT_POSITION).timeout(timeoutNanos), waiter);
        h.table.submit(h.ops.read(pipe[0], buffer, 0, 64, Ops.CURRENT_POSITION).timeout(timeoutNanos), waiter);
    }

    @Test
    void timeoutIsSetBeforeSubmissionAndMustBePositive() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Op nop = h.ops.nop();
            assertThrows(IllegalArgumentException.class, () -> nop.timeout(0));
            assertThrows(IllegalArgumentException.class, () -> nop.timeout(Duration.ofMillis(-5)));
            Completions done = new Completions();
            long token = nop.token();
            h.table.submit(nop, done);
            assertThrows(IllegalStateException.class, () -> nop.timeout(Duration.ofSeconds(1)));
            h.pumpUntil(() -> done.done(token), WELL_BEFORE);
            assertEquals(0, done.only(token).timeoutNanos());
            assertEquals(0, h.table.active());
        }
    }
}
