package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.op.Completions;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.op.RingHarness;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A completion queue much smaller than the burst: the kernel keeps what does not fit in its
 * overflow backlog (IORING_FEAT_NODROP) and hands it over as the CQ is reaped; nothing is lost
 * and nothing is seen twice (liburing's cq-overflow test, through kio's ring and table).
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CqOverflowTest {
    private static final int SQ = 8;
    private static final int CQ = 16;
    private static final int BURST = 8 * CQ;

    private static RingOptions tiny() {
        return RingOptions.defaults().withEntries(SQ, CQ);
    }

    @Test
    void burstOfEightTimesCqSizeIsObservedExactlyOnce() throws Exception {
        try (RingHarness h = RingHarness.open(tiny(), 16)) {
            assertEquals(SQ, h.ring.sqEntries());
            assertEquals(CQ, h.ring.cqEntries());
            assertTrue((h.ring.features() & Ring.FEAT_NODROP) != 0);

            Completions done = new Completions();
            long[] tokens = new long[BURST];
            int i = 0;
            while (i < BURST) {
                // One SQ's worth, then an enter that submits it without reaping anything.
                for (int k = 0; k < SQ; k++, i++) {
                    Op op = h.ops.nop();
                    tokens[i] = op.token();
                    h.table.submit(op, done);
                }
                int rc = h.ring.enter(0);
                assertEquals(SQ, rc, "enter submitted the batch");
            }
            assertEquals(0, done.total(), "nothing reaped yet");
            assertTrue(h.ring.cqReady() <= CQ, "the CQ holds at most its size: " + h.ring.cqReady());
            assertTrue(h.ring.cqOverflowPending(), "the burst overflowed the CQ into the kernel's backlog");
            assertEquals(BURST, h.table.active());

            h.pumpUntil(() -> done.total() == BURST, Duration.ofSeconds(5));
            for (long t : tokens) {
                Completions.Seen seen = done.only(t);
                assertEquals(Outcome.OK, seen.outcome());
                assertEquals(0, seen.result());
            }
            // Nothing more arrives later.
            assertEquals(-Errno.ETIME, h.ring.enter(1, Duration.ofMillis(10).toNanos()));
            assertEquals(0, h.reap());
            assertEquals(BURST, done.total());
            assertEquals(0, h.ring.cqDropped(), "NODROP: the kernel dropped nothing");
            assertTrue(!h.ring.cqOverflowPending());
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void rawBurstBeyondCqIsKeptByNodropAndReapedInSubmissionOrder() throws Exception {
        try (Ring ring = Ring.open(tiny())) {
            for (int i = 0; i < BURST; i += SQ) {
                for (int k = 0; k < SQ; k++) {
                    ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, 1000 + i + k, 0, 0, 0);
                }
                assertEquals(SQ, ring.enter(0));
            }
            assertTrue(ring.cqOverflowPending());
            int[] seen = new int[BURST];
            int[] next = {0};
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (next[0] < BURST) {
                if (System.nanoTime() > deadline) {
                    fail("only " + next[0] + " of " + BURST + " completions arrived");
                }
                ring.reap((userData, res, flags) -> {
                    int index = (int) (userData - 1000);
                    assertTrue(index >= 0 && index < BURST, "unexpected user_data " + userData);
                    assertEquals(0, res);
                    assertEquals(next[0], index, "overflowed completions keep their order");
                    seen[index]++;
                    next[0]++;
                });
                if (next[0] < BURST) {
                    ring.enter(1, Duration.ofMillis(20).toNanos());
                }
            }
            for (int i = 0; i < BURST; i++) {
                assertEquals(1, seen[i], "completion " + i);
            }
            assertEquals(0, ring.cqDropped());
        }
    }

    @Test
    void entriesReadBeforeAHandlerFlushesAreFreeForTheKernel() throws Exception {
        try (Ring ring = Ring.open(tiny())) {
            for (int i = 0; i < CQ; i += SQ) {
                for (int k = 0; k < SQ; k++) {
                    ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, 1000 + i + k, 0, 0, 0);
                }
                assertEquals(SQ, ring.enter(0));
            }
            assertEquals(CQ, ring.cqReady(), "the CQ is full");
            assertTrue(!ring.cqOverflowPending());
            int[] seen = {0};
            int reaped = ring.reap((userData, res, flags) -> {
                assertEquals(1000 + seen[0], userData);
                if (++seen[0] == SQ) {
                    // Half the CQ has been read: an SQ's worth of completions flushed now fits in it.
                    for (int k = 0; k < SQ; k++) {
                        ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, 2000 + k, 0, 0, 0);
                    }
                    assertEquals(SQ, ring.flush());
                }
            });
            assertEquals(CQ, reaped, "completions posted during the reap wait for the next one");
            assertTrue(!ring.cqOverflowPending(), "the kernel saw the entries read before the flush as free");
            long[] next = {2000};
            assertEquals(SQ, ring.reap((userData, res, flags) -> assertEquals(next[0]++, userData)));
            assertEquals(0, ring.cqDropped());
        }
    }

    @Test
    void burstWithoutEntersBetweenIsFlushedByTheTableAndStillObservedOnce() throws Exception {
        try (RingHarness h = RingHarness.open(tiny(), 16)) {
            Completions done = new Completions();
            long[] tokens = new long[BURST];
            // No enter at all: the table flushes the SQ itself each time it fills.
            for (int i = 0; i < BURST; i++) {
                Op op = h.ops.nop();
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            assertTrue(!h.table.hasBacklog(), "the kernel took every flush: nothing waited for SQ space");
            h.pumpUntil(() -> done.total() == BURST, Duration.ofSeconds(5));
            for (long t : tokens) {
                assertEquals(Outcome.OK, done.only(t).outcome());
            }
            assertEquals(0, h.ring.cqDropped());
            assertEquals(0, h.table.active());
        }
    }
}
