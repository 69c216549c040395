package dev.kio.runtime.op;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A full submission queue: submitting never fails for lack of SQ space. The table flushes a
 * full SQ to the kernel; when even that frees no room the op waits in the table's backlog,
 * which {@link OpTable#drainBacklog()} submits later.
 *
 * <p>To make the kernel refuse a flush deterministically the ring is created disabled
 * ({@code IORING_SETUP_R_DISABLED}, 5.10: {@code io_uring_enter} answers EBADFD) and enabled
 * with {@code IORING_REGISTER_ENABLE_RINGS} once the backlog is there.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SqBacklogTest {
    private static final int SQ = 8;
    private static final int OPS = 100;
    private static final int SETUP_R_DISABLED = 1 << 6;
    private static final long SYS_IO_URING_REGISTER = 427;
    private static final long REGISTER_ENABLE_RINGS = 12;

    @SuppressWarnings("restricted") // the test enables a disabled ring with a raw syscall
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private static void enable(Ring ring) throws Throwable {
        long rc = (long) SYSCALL.invokeExact(SYS_IO_URING_REGISTER, (long) ring.fd(), REGISTER_ENABLE_RINGS, 0L, 0L);
        assertEquals(0L, rc, "IORING_REGISTER_ENABLE_RINGS");
    }

    private static RingHarness disabledRing() throws RingSetupException {
        RingOptions options = RingOptions.defaults().withEntries(SQ, 0)
                .withSetupFlags(RingOptions.DEFAULT_FLAGS | SETUP_R_DISABLED);
        RingHarness h = RingHarness.open(options, 16);
        if ((h.ring.setupFlags() & SETUP_R_DISABLED) == 0) {
            h.close();
            assumeTrue(false, "kernel does not create disabled rings");
        }
        return h;
    }

    @Test
    void submittingFarMoreThanTheSqHoldsIsNeverRefused() throws Exception {
        try (RingHarness h = RingHarness.open(RingOptions.defaults().withEntries(SQ, 0), 16)) {
            assertEquals(SQ, h.ring.sqEntries());
            Completions done = new Completions();
            long[] tokens = new long[OPS];
            for (int i = 0; i < OPS; i++) {
                Op op = h.ops.nop();
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            // The SQ filled twelve times over; each time the table flushed it to the kernel.
            assertTrue(h.ring.sqPending() <= SQ);
            assertEquals(OPS, h.table.active());
            h.pumpUntil(() -> done.total() == OPS, Duration.ofSeconds(5));
            for (long t : tokens) {
                assertEquals(Outcome.OK, done.only(t).outcome());
            }
            assertFalse(h.table.hasBacklog());
            assertEquals(0, h.table.active());
            assertEquals(OPS, h.ring.sqesWritten(), "one SQE per op");
        }
    }

    @Test
    void opsThatFindNoSqSpaceWaitInTheBacklogAndCompleteOnceDrained() throws Throwable {
        try (RingHarness h = disabledRing()) {
            assertEquals(-Errno.EBADFD, h.ring.enter(0), "a disabled ring refuses io_uring_enter");

            Completions done = new Completions();
            long[] tokens = new long[OPS];
            Op[] submitted = new Op[OPS];
            for (int i = 0; i < OPS; i++) {
                Op op = h.ops.nop();
                tokens[i] = op.token();
                submitted[i] = op;
                h.table.submit(op, done); // never throws
            }
            assertTrue(h.table.hasBacklog(), "the excess waits in the backlog");
            assertEquals(SQ, h.ring.sqPending(), "the SQ is full and the kernel took nothing");
            assertEquals(0, h.ring.sqSpace());
            for (int i = 0; i < OPS; i++) {
                OpState expected = i < SQ ? OpState.SUBMITTED : OpState.QUEUED;
                assertEquals(expected, submitted[i].state(), "op " + i);
            }
            assertEquals(SQ, h.ring.sqesWritten(), "only the ops in the SQ were written");
            assertEquals(OPS, h.table.owed());

            // Still no room: draining leaves everything where it is.
            assertEquals(0, h.table.drainBacklog());
            assertTrue(h.table.hasBacklog());

            enable(h.ring);
            int drained = h.table.drainBacklog();
            assertEquals(OPS - SQ, drained, "with the ring enabled the whole backlog goes out, flush by flush");
            assertFalse(h.table.hasBacklog());

            h.pumpUntil(() -> done.total() == OPS, Duration.ofSeconds(5));
            for (long t : tokens) {
                Completions.Seen seen = done.only(t);
                assertEquals(Outcome.OK, seen.outcome());
                assertEquals(0, seen.result());
            }
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.owed());
            assertEquals(OPS, h.ring.sqesWritten(), "one SQE per op");
            assertEquals(0, h.table.staleCompletions());
            assertEquals(0, h.ring.cqDropped());
        }
    }

    @Test
    void cancellingABackloggedOpCompletesItCancelledWithoutReachingTheKernel() throws Throwable {
        try (RingHarness h = disabledRing()) {
            Completions done = new Completions();
            long[] tokens = new long[2 * SQ];
            for (int i = 0; i < tokens.length; i++) {
                Op op = h.ops.nop();
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            assertTrue(h.table.hasBacklog());
            long victim = tokens[SQ + 3];
            assertTrue(h.table.cancel(victim), "a queued op can be cancelled");
            assertEquals(0, done.total(), "the completion comes from the loop, not from cancel()");

            enable(h.ring);
            h.pumpUntil(() -> done.total() == tokens.length, Duration.ofSeconds(5));
            Completions.Seen cancelled = done.only(victim);
            assertEquals(Outcome.CANCELLED, cancelled.outcome());
            assertEquals(-Errno.ECANCELED, cancelled.result());
            for (long t : tokens) {
                if (t != victim) {
                    assertEquals(Outcome.OK, done.only(t).outcome());
                }
            }
            assertFalse(h.table.cancel(victim), "completed: nothing left to cancel");
            assertEquals(tokens.length - 1, h.ring.sqesWritten(), "the kernel never saw the cancelled op");
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void backloggedOpWithTimeoutIsSubmittedWithItsLinkTimeout() throws Throwable {
        try (RingHarness h = disabledRing()) {
            Completions done = new Completions();
            for (int i = 0; i < SQ; i++) {
                h.table.submit(h.ops.nop(), done);
            }
            // Needs two SQEs (the op and its LINK_TIMEOUT): goes to the backlog.
            Op timed = h.ops.nop().timeout(Duration.ofSeconds(5));
            long token = timed.token();
            h.table.submit(timed, done);
            assertEquals(OpState.QUEUED, timed.state());

            enable(h.ring);
            h.pumpUntil(() -> done.total() == SQ + 1 && h.table.active() == 0, Duration.ofSeconds(5));
            Completions.Seen seen = done.only(token);
            assertEquals(Outcome.OK, seen.outcome(), "completed before its timeout");
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void aChainThatFindsNoRoomWaitsInTheBacklogWholeAndIsPlacedWholeLater() throws Throwable {
        try (RingHarness h = disabledRing()) {
            Completions done = new Completions();
            for (int i = 0; i < SQ - 1; i++) {
                h.table.submit(h.ops.nop(), done);
            }
            Op first = h.ops.nop();
            Op second = h.ops.nop();
            Op third = h.ops.nop();
            long token = third.token();
            h.table.submit(first.link(second).link(third), done);
            assertEquals(OpState.QUEUED, first.state(), "one free slot: none of the chain's three SQEs is written");
            assertEquals(OpState.QUEUED, third.state());
            assertEquals(SQ - 1, h.ring.sqPending());

            enable(h.ring);
            assertEquals(1, h.table.drainBacklog(), "the chain leaves the backlog as one unit");
            h.pumpUntil(() -> done.total() == SQ && h.table.active() == 0, Duration.ofSeconds(5));
            assertEquals(Outcome.OK, done.only(token).outcome());
            assertEquals(0, h.table.owed());
        }
    }
}
