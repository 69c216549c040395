package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CQEs whose user_data names no live use of a slot: an earlier generation (the slot was recycled
 * since), or a second completion for an op that already had its own. They are forged with
 * IORING_OP_MSG_RING (5.18) sent by the ring to itself, and must be counted in
 * {@link OpTable#staleCompletions()} without ever reaching a waiter.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StaleCompletionTest {

    private static long completedToken(RingHarness h, Completions done) {
        long[] token = {0};
        h.table.submit(h.ops.nop(), op -> {
            token[0] = op.token();
            done.onComplete(op);
        });
        h.pumpUntil(() -> token[0] != 0, Duration.ofSeconds(5));
        return token[0];
    }

    @Test
    void completionForARecycledSlotIsCountedStaleAndNeverDelivered() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            Completions done = new Completions();
            long stale = completedToken(h, done);
            assertEquals(1, done.total());
            int baseActive = h.table.active();

            // The free list hands the same slot out again, one generation later: the forged
            // CQE names that slot, so it must not reach the op now living in it.
            Op msg = h.ops.msgRing(h.ring.fd(), stale, 0);
            assertEquals(UserData.slot(stale), UserData.slot(msg.token()), "slot reused");
            assertNotEquals(UserData.generation(stale), UserData.generation(msg.token()));
            long msgToken = msg.token();
            h.table.submit(msg, done);

            h.pumpUntil(() -> done.done(msgToken) && h.table.staleCompletions() == 1, Duration.ofSeconds(5));
            assertEquals(0, done.only(msgToken).result(), "MSG_RING itself succeeded");
            assertEquals(1, done.count(stale), "the stale CQE did not reach the first op's waiter again");
            assertEquals(2, done.total());
            assertEquals(1, h.table.staleCompletions());
            assertEquals(baseActive, h.table.active());
            assertEquals(0, h.reservedCqes);
        }
    }

    @Test
    void duplicateReapedTogetherWithTheOriginalIsCountedStale() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions done = new Completions();
            Op op = h.ops.nop();
            long token = op.token();
            h.table.submit(op, done);
            // A second CQE for the same user_data right behind the op's own, then a reserved one:
            // the table's reap reads them in one go and looks each op up a CQE ahead, so the
            // duplicate's op is looked up while still live, before the original recycles it.
            h.ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, token, 0, 0, 0);
            h.ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, UserData.WAKE, 0, 0, 0);
            assertEquals(3, h.ring.enter(3));
            assertEquals(3, h.table.reap());
            assertEquals(1, done.count(token), "the duplicate did not reach the waiter");
            assertEquals(1, done.total());
            assertEquals(1, h.table.staleCompletions());
            assertEquals(1, h.table.reservedCompletions());
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void completionNamingAFreeSlotWithItsCurrentGenerationIsCountedStale() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            Completions done = new Completions();
            // The last slot of a fresh table is never handed out here: FREE, generation 1.
            long free = UserData.pack(1, UserData.PRIMARY, h.table.capacity() - 1);
            Op msg = h.ops.msgRing(h.ring.fd(), free, 0);
            long msgToken = msg.token();
            assertNotEquals(UserData.slot(free), UserData.slot(msgToken));
            h.table.submit(msg, done);
            h.pumpUntil(() -> done.done(msgToken) && h.table.staleCompletions() == 1, Duration.ofSeconds(5));
            assertEquals(1, done.total(), "only the MSG_RING op's own completion was delivered");
            assertEquals(0, h.table.active(), "the forged CQE did not take or free any slot");
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void completionNamingASlotBeyondTheTableIsCountedStale() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            Completions done = new Completions();
            int beyond = h.table.capacity() + 5;
            Op msg = h.ops.msgRing(h.ring.fd(), UserData.pack(1, UserData.PRIMARY, beyond), 0);
            long msgToken = msg.token();
            h.table.submit(msg, done);
            h.pumpUntil(() -> done.done(msgToken) && h.table.staleCompletions() == 1, Duration.ofSeconds(5));
            assertEquals(1, done.total());
            assertEquals(0, h.table.active());
        }
    }

    @Test
    void duplicateCompletionForAnOpWithLinkTimeoutIsCountedStale() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            assumeTrue(h.ring.supports(Opcode.LINK_TIMEOUT));
            int[] pipe = h.pipe();
            MemorySegment buf = h.arena.allocate(16);
            Completions done = new Completions();

            // A read that cannot complete (empty pipe) but times out after 100 ms.
            Op read = h.ops.read(pipe[0], buf, 0, 16, Ops.CURRENT_POSITION).timeout(Duration.ofMillis(100));
            long readToken = read.token();
            h.table.submit(read, done);
            // Two forged CQEs with the read's own user_data arrive long before the kernel's. To
            // the table the first is the read's completion (it cannot tell), which frees the slot
            // without waiting for the link timeout's CQE; the second is a duplicate of it.
            Op msg1 = h.ops.msgRing(h.ring.fd(), readToken, 3);
            Op msg2 = h.ops.msgRing(h.ring.fd(), readToken, 4);
            long msg1Token = msg1.token();
            long msg2Token = msg2.token();
            h.table.submit(msg1, done);
            h.table.submit(msg2, done);

            h.pumpUntil(() -> done.done(msg1Token) && done.done(msg2Token) && h.table.staleCompletions() == 1,
                    Duration.ofSeconds(5));
            assertEquals(3, done.only(readToken).result(), "the first forged CQE was taken for the read's completion");
            assertEquals(0, h.table.active(), "the read's slot is free, and the MSG_RING ops'");
            assertEquals(1, h.table.linkTimeoutsOwed());

            // Then the kernel's own two CQEs: the read's -ECANCELED (a duplicate again) and the
            // link timeout's -ETIME, which only settles the count.
            h.pumpUntil(() -> h.table.linkTimeoutsOwed() == 0 && h.table.staleCompletions() == 2,
                    Duration.ofSeconds(5));
            assertEquals(1, done.count(readToken), "no duplicate ever reached the waiter");
            assertEquals(3, done.total());
            assertEquals(0, h.table.owed());
        }
    }

    /**
     * A LINK_TIMEOUT-kind CQE for an op that has no link timeout (forged; a duplicate in kind)
     * must be dropped as stale too: it must neither count as the op's second CQE nor keep the op's
     * slot from being freed once its real completion arrives.
     */
    @Test
    void linkTimeoutCompletionForAnOpWithoutTimeoutIsCountedStale() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            int[] pipe = h.pipe();
            MemorySegment buf = h.arena.allocate(16);
            Completions done = new Completions();

            Op read = h.ops.read(pipe[0], buf, 0, 16, Ops.CURRENT_POSITION);
            long readToken = read.token();
            h.table.submit(read, done);
            long forged = UserData.pack(UserData.generation(readToken), UserData.LINK_TIMEOUT,
                    UserData.slot(readToken));
            Op msg = h.ops.msgRing(h.ring.fd(), forged, -Errno.ETIME);
            long msgToken = msg.token();
            h.table.submit(msg, done);
            h.traceCqes = true;
            h.pumpUntil(() -> done.done(msgToken) && h.trace.stream().anyMatch(c -> c[0] == forged),
                    Duration.ofSeconds(5));
            assertEquals(0, done.count(readToken), "the forged CQE did not complete the read");
            assertEquals(OpState.SUBMITTED, read.state());

            Op write = h.ops.write(pipe[1], h.bytes(new byte[] {42}), 0, 1, Ops.CURRENT_POSITION);
            long writeToken = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(readToken) && done.done(writeToken), Duration.ofSeconds(5));
            assertEquals(1, done.only(readToken).result());
            assertEquals(1, h.table.staleCompletions(), "the forged link-timeout CQE is stale");
            assertEquals(0, h.table.active(), "every slot is free again");
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void reservedUserDataPostedToTheRingBelongsToNoOp() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(h.ring.supports(Opcode.MSG_RING), "MSG_RING needs Linux 5.18");
            Completions done = new Completions();
            assertTrue(UserData.isReserved(UserData.WAKE));
            Op msg = h.ops.msgRing(h.ring.fd(), UserData.WAKE, 0);
            long msgToken = msg.token();
            assertTrue(!UserData.isReserved(msgToken), "an op's own user_data is never reserved");
            h.table.submit(msg, done);
            h.pumpUntil(() -> done.done(msgToken) && h.reservedCqes == 1, Duration.ofSeconds(5));
            assertEquals(1, done.total());
            assertEquals(0, h.table.staleCompletions());
            assertEquals(0, h.table.active());
        }
    }
}
