package dev.kio.runtime.op;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.sys.Errno;

/**
 * Linked chains ({@code IOSQE_IO_LINK}, {@code IOSQE_IO_HARDLINK}): the kernel runs a chain's ops
 * one after the other, a failure cancels the rest, and the table delivers the chain once, naming
 * the op that failed first, with every op's memory owned until its own completion.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LinkedChainTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    /** Records each delivered op and, while the chain's ops are still readable, every op of its chain. */
    private static final class ChainWaiter implements OpWaiter {
        final List<String> delivered = new ArrayList<>();
        final List<List<String>> chains = new ArrayList<>();
        Op last;

        @Override
        public void onComplete(Op op) {
            delivered.add(Opcode.name(op.opcode()) + " " + op.outcome() + " " + op.result());
            List<String> chain = new ArrayList<>();
            for (Op o = last; o != null; o = o.linkedBefore()) {
                chain.addFirst(Opcode.name(o.opcode()) + " " + o.outcome() + " " + o.result());
            }
            chains.add(chain);
        }
    }

    private static MemorySegment ascii(RingHarness h, String s) {
        return h.bytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void chainedWritesRunInOrderAndCompleteOnceAsAUnit() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            h.traceCqes = true;
            ChainWaiter waiter = new ChainWaiter();
            Op a = h.ops.write(pipe[1], ascii(h, "first "), 0, 6, Ops.CURRENT_POSITION);
            Op b = h.ops.write(pipe[1], ascii(h, "second "), 0, 7, Ops.CURRENT_POSITION);
            Op c = h.ops.write(pipe[1], ascii(h, "third"), 0, 5, Ops.CURRENT_POSITION);
            waiter.last = c;
            List<Long> tokens = List.of(a.token(), b.token(), c.token());
            h.table.submit(a.link(b).link(c), waiter);
            assertEquals(3, h.ring.sqPending(), "three SQEs, written together");
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && h.table.active() == 0, LIMIT);

            assertEquals(List.of("write OK 5"), waiter.delivered, "one delivery, for the last op");
            assertEquals(List.of("write OK 6", "write OK 7", "write OK 5"), waiter.chains.getFirst());
            assertEquals(tokens, h.trace.stream().map(t -> t[0]).toList(), "CQEs in chain order");
            MemorySegment in = h.arena.allocate(32);
            Completions read = new Completions();
            Op r = h.ops.read(pipe[0], in, 0, 32, Ops.CURRENT_POSITION);
            long token = r.token();
            h.table.submit(r, read);
            h.pumpUntil(() -> read.done(token), LIMIT);
            assertEquals("first second third",
                    new String(in.asSlice(0, read.only(token).result()).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void aFailingFirstOpCancelsTheRestAndTheChainNamesIt() throws Exception {
        try (RingHarness h = RingHarness.open();
                BufferPool pool = BufferPool.open(h.ring, new BufferPool.Config(4096, 2, 2))) {
            int[] pipe = h.pipe();
            Buffer buffer = pool.acquire();
            ChainWaiter waiter = new ChainWaiter();
            Op bad = h.ops.read(-1, h.arena.allocate(16), 0, 16, Ops.CURRENT_POSITION);
            Op write = h.ops.write(pipe[1], buffer, 0, 16, Ops.CURRENT_POSITION);
            Op nop = h.ops.nop();
            waiter.last = nop;
            h.table.submit(bad.link(write).link(nop), waiter);
            buffer.release();
            assertTrue(buffer.isLent(), "released while the kernel may read it: the release waits");
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && h.table.active() == 0, LIMIT);

            assertEquals(List.of("read FAILED " + -Errno.EBADF), waiter.delivered, "the op that failed first");
            assertEquals(List.of("read FAILED " + -Errno.EBADF, "write_fixed CANCELLED " + -Errno.ECANCELED,
                    "nop CANCELLED " + -Errno.ECANCELED), waiter.chains.getFirst());
            assertFalse(buffer.isLent());
            assertEquals(0, pool.held(), "the deferred release happened at the write's completion");
            assertEquals(0, h.table.owed());
            assertEquals(0, h.table.staleCompletions());
            OpException e = Op.failure(Outcome.FAILED, -Errno.EBADF, Opcode.READ, -1, 0);
            assertEquals("read(fd -1) failed: EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    @Test
    void aHardlinkedOpRunsEvenWhenTheOneBeforeItFails() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            ChainWaiter waiter = new ChainWaiter();
            Op bad = h.ops.write(-1, ascii(h, "x"), 0, 1, Ops.CURRENT_POSITION);
            Op close = h.ops.close(pipe[1]);
            waiter.last = close;
            h.table.submit(bad.hardlink(close), waiter);
            h.pumpUntil(() -> !waiter.delivered.isEmpty(), LIMIT);

            assertEquals(List.of("write FAILED " + -Errno.EBADF, "close OK 0"), waiter.chains.getFirst());
            assertEquals(List.of("write FAILED " + -Errno.EBADF), waiter.delivered);
            h.closeFd(pipe[0]);
        }
    }

    @Test
    void aChainIsPlacedWholeWhenTheSqIsNearlyFull() throws Exception {
        try (RingHarness h = RingHarness.open(RingOptions.defaults().withEntries(8, 0), 16)) {
            int[] pipe = h.pipe();
            Completions nops = new Completions();
            for (int i = 0; i < 6; i++) {
                h.table.submit(h.ops.nop(), nops);
            }
            assertEquals(2, h.ring.sqSpace());
            ChainWaiter waiter = new ChainWaiter();
            Op last = null;
            for (int i = 0; i < 4; i++) {
                Op w = h.ops.write(pipe[1], ascii(h, Integer.toString(i)), 0, 1, Ops.CURRENT_POSITION);
                last = last == null ? w : last.link(w);
            }
            waiter.last = last;
            h.table.submit(last, waiter);
            assertEquals(4, h.ring.sqPending(), "the six nops were flushed first; the chain's four SQEs follow");
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && nops.total() == 6, LIMIT);
            assertEquals(List.of("write OK 1", "write OK 1", "write OK 1", "write OK 1"), waiter.chains.getFirst());
            MemorySegment in = h.arena.allocate(8);
            Completions read = new Completions();
            Op r = h.ops.read(pipe[0], in, 0, 8, Ops.CURRENT_POSITION);
            long token = r.token();
            h.table.submit(r, read);
            h.pumpUntil(() -> read.done(token), LIMIT);
            assertEquals("0123", new String(in.asSlice(0, read.only(token).result()).toArray(JAVA_BYTE),
                    StandardCharsets.US_ASCII));
        }
    }

    @Test
    void cancellingAChainCancelsEveryPendingOpAndDeliversOnce() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            ChainWaiter waiter = new ChainWaiter();
            Op sleep = h.ops.sleep(Duration.ofSeconds(30).toNanos());
            Op nop = h.ops.nop();
            waiter.last = nop;
            h.table.submit(sleep.link(nop), waiter);
            h.ring.flush();
            assertTrue(h.table.cancel(nop.token()), "the last op's token stands for the chain");
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && h.table.active() == 0, LIMIT);
            assertEquals(List.of("sleep CANCELLED " + -Errno.ECANCELED), waiter.delivered);
            assertEquals(1, waiter.delivered.size());
            assertEquals(0, h.table.owed());
        }
    }

    /** A timer's expiry is its success for the kernel too (IORING_TIMEOUT_ETIME_SUCCESS): what is linked after it runs. */
    @Test
    void anOpLinkedAfterATimerRunsWhenTheTimerFires() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            ChainWaiter waiter = new ChainWaiter();
            Op sleep = h.ops.sleep(Duration.ofMillis(5).toNanos());
            Op nop = h.ops.nop();
            waiter.last = nop;
            h.table.submit(sleep.link(nop), waiter);
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && h.table.active() == 0, LIMIT);
            assertEquals(List.of("sleep OK 0", "nop OK 0"), waiter.chains.getFirst());
        }
    }

    @Test
    void theLastOpOfAChainCanCarryATimeout() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            ChainWaiter waiter = new ChainWaiter();
            Op nop = h.ops.nop();
            Op read = h.ops.read(pipe[0], h.arena.allocate(8), 0, 8, Ops.CURRENT_POSITION);
            waiter.last = read;
            h.table.submit(nop.link(read).timeout(Duration.ofMillis(20)), waiter);
            h.pumpUntil(() -> !waiter.delivered.isEmpty() && h.table.active() == 0, LIMIT);
            assertEquals(List.of("read TIMED_OUT " + -Errno.ECANCELED), waiter.delivered);
            assertEquals(0, h.table.staleCompletions());
        }
    }

    @Test
    void misusedChainsAreRefusedBeforeTheKernelSeesThem() throws Exception {
        try (RingHarness h = RingHarness.open(RingOptions.defaults().withEntries(4, 0), 16)) {
            Op a = h.ops.nop();
            Op b = h.ops.nop();
            a.link(b);
            assertThrows(IllegalStateException.class, () -> h.table.submit(a, OpWaiter.IGNORE),
                    "a chain is submitted through its last op");
            assertThrows(IllegalStateException.class, () -> a.link(h.ops.nop()), "a is linked already");
            assertThrows(IllegalStateException.class, () -> a.timeout(1_000_000), "only the last op has a timeout");
            Op c = b.link(h.ops.nop()).link(h.ops.nop()).link(h.ops.nop());
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> h.table.submit(c, OpWaiter.IGNORE));
            assertEquals("a chain of 5 ops needs 5 SQEs, more than the ring's 4", tooLong.getMessage());
            assertEquals(0, h.table.owed(), "nothing was handed to the kernel");
        }
    }
}
