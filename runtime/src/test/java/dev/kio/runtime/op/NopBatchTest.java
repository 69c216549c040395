package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** IORING_OP_NOP in batches: the table's user_data round trip, with nothing else in the way. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NopBatchTest {
    private static final int BATCH = 64;

    @Test
    void sixtyFourNopsInOneEnterEachReachTheirOwnWaiterOnce() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.NOP));
            int baseActive = h.table.active();
            int baseWritten = h.ring.sqesWritten();

            long[] tokens = new long[BATCH];
            int[] calls = new int[BATCH];
            long[] tokenSeen = new long[BATCH];
            Op[] opSeen = new Op[BATCH];
            Op[] submitted = new Op[BATCH];
            Completions all = new Completions();
            for (int i = 0; i < BATCH; i++) {
                Op op = h.ops.nop();
                int index = i;
                tokens[i] = op.token();
                submitted[i] = op;
                h.table.submit(op, o -> {
                    calls[index]++;
                    tokenSeen[index] = o.token();
                    opSeen[index] = o;
                    all.onComplete(o);
                });
            }
            Set<Long> distinct = new HashSet<>();
            for (long t : tokens) {
                distinct.add(t);
            }
            assertEquals(BATCH, distinct.size(), "every op in flight has its own user_data");
            // Nothing reached the kernel yet: all 64 SQEs wait for the one enter below.
            assertEquals(BATCH, h.ring.sqPending());
            assertEquals(baseActive + BATCH, h.table.active());

            assertEquals(BATCH, h.ring.enter(BATCH), "one enter submits the whole batch");
            assertEquals(0, h.ring.sqPending());
            assertEquals(BATCH, h.reap(), "and the whole batch completed by the time it returned");

            for (int i = 0; i < BATCH; i++) {
                assertEquals(1, calls[i], "waiter " + i + " called once");
                assertEquals(tokens[i], tokenSeen[i], "waiter " + i + " got its own op");
                assertSame(submitted[i], opSeen[i]);
                Completions.Seen seen = all.only(tokens[i]);
                assertEquals(Opcode.NOP, seen.opcode());
                assertEquals(0, seen.result());
                assertEquals(Outcome.OK, seen.outcome());
                assertEquals(OpState.COMPLETED, seen.state(), "the waiter runs before the slot is recycled");
                assertEquals(OpState.FREE, submitted[i].state(), "recycled once its waiter returned");
                assertNotEquals(tokens[i], submitted[i].token(), "a recycled slot gets a new generation");
            }
            assertEquals(baseActive, h.table.active());
            assertEquals(0, h.table.owed());
            assertEquals(baseWritten + BATCH, h.ring.sqesWritten());
            assertEquals(0, h.table.staleCompletions());
            assertEquals(0, h.reservedCqes);
        }
    }

    @Test
    void repeatedBatchesReuseSlotsWithoutMixingUpCompletions() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int baseActive = h.table.active();
            int capacity = h.table.capacity();
            for (int round = 0; round < 50; round++) {
                Completions done = new Completions();
                long[] tokens = new long[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    Op op = h.ops.nop();
                    tokens[i] = op.token();
                    h.table.submit(op, done);
                }
                h.pumpUntil(() -> done.total() == BATCH, Duration.ofSeconds(5));
                for (long t : tokens) {
                    assertEquals(Outcome.OK, done.only(t).outcome());
                }
                assertEquals(baseActive, h.table.active(), "round " + round);
            }
            assertEquals(capacity, h.table.capacity(), "recycled slots are enough: the table did not grow");
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void batchLargerThanTableGrowsItAndStillCompletesEachOnce() throws Exception {
        try (RingHarness h = RingHarness.open(dev.kio.runtime.ring.RingOptions.defaults(), 16)) {
            int n = 16 * 8 + 3;
            Completions done = new Completions();
            long[] tokens = new long[n];
            for (int i = 0; i < n; i++) {
                Op op = h.ops.nop();
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            h.pumpUntil(() -> done.total() == n, Duration.ofSeconds(5));
            for (long t : tokens) {
                assertEquals(0, done.only(t).result());
            }
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void closedTableRefusesNewOpsAndStillCompletesThoseTheKernelHolds() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions seen = new Completions();
            Op held = h.ops.nop();
            h.table.submit(held, seen);
            long token = held.token();
            h.table.close("worker 7 is stopped");
            Op late = h.ops.nop();
            RejectedExecutionException e = assertThrows(RejectedExecutionException.class,
                    () -> h.table.submit(late, seen));
            assertEquals("worker 7 is stopped; " + late + " cannot be submitted", e.getMessage());
            h.pumpUntil(() -> seen.done(token), Duration.ofSeconds(5));
            assertEquals(Outcome.OK, seen.only(token).outcome());
            assertEquals(1, seen.total(), "the refused op never reached the kernel");
        }
    }
}
