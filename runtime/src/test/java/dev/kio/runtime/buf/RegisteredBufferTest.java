package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.op.Completions;
import dev.kio.runtime.op.Op;
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
 * Registered buffers ({@code IORING_REGISTER_BUFFERS}) with {@code READ_FIXED} /
 * {@code WRITE_FIXED} (5.1): a pool's slab is registered, data round trips through fixed ops,
 * overflow buffers fall back to plain READ / WRITE, and every bad offset, length or buffer is
 * refused before an SQE is written.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegisteredBufferTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final BufferPool.Config SMALL = new BufferPool.Config(4096, 2, 3);

    @BeforeEach
    void fixedOpsSupported() throws Exception {
        var support = IoUring.support();
        assumeTrue(support.supports(Opcode.READ_FIXED) && support.supports(Opcode.WRITE_FIXED)
                && support.supports(Opcode.READ), "READ_FIXED/WRITE_FIXED need Linux 5.1, READ 5.6");
    }

    /** Submits {@code op} and runs the ring until it completes; returns what it completed with. */
    static Completions.Seen run(RingHarness h, Op op) {
        Completions done = new Completions();
        long token = op.token();
        h.table.submit(op, done);
        h.pumpUntil(() -> done.done(token), LIMIT);
        return done.only(token);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void fixedWriteThenFixedReadRoundTripThroughAPipe() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, SMALL);
            assertTrue(pool.registered(), () -> "registration refused: " + pool.registrationError());
            Buffer src = pool.acquire();
            Buffer dst = pool.acquire();
            assertTrue(src.isRegisteredWith(h.ring) && dst.isRegisteredWith(h.ring));
            byte[] payload = random(3000, 1);
            src.segment().asSlice(100, payload.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(payload));

            Op write = h.ops.writeFixed(pipe[1], src, 100, payload.length, Ops.CURRENT_POSITION);
            assertEquals(Opcode.WRITE_FIXED, write.opcode());
            Completions.Seen wrote = run(h, write);
            assertEquals(Outcome.OK, wrote.outcome());
            assertEquals(payload.length, wrote.result());

            Op read = h.ops.readFixed(pipe[0], dst, 7, dst.capacity() - 7, Ops.CURRENT_POSITION);
            assertEquals(Opcode.READ_FIXED, read.opcode());
            Completions.Seen got = run(h, read);
            assertEquals(payload.length, got.result());
            assertArrayEquals(payload, dst.segment().asSlice(7, got.result()).toArray(JAVA_BYTE));

            src.release();
            dst.release();
            assertEquals(0, pool.held());
            pool.close();
            assertTrue(pool.isFreed(), "nothing lent: freed at close");
        }
    }

    @Test
    void readAndWriteOfAPooledBufferPickFixedOnlyWhenItIsRegistered() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, SMALL);
            Buffer first = pool.acquire();
            Buffer second = pool.acquire();
            Buffer overflow = pool.acquire();
            assertEquals(3, pool.size(), "grew past the registered slab");
            assertEquals(-1, overflow.index());
            assertFalse(overflow.isRegisteredWith(h.ring));

            byte[] payload = random(1000, 2);
            overflow.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(payload));
            Op plainWrite = h.ops.write(pipe[1], overflow, 0, payload.length, Ops.CURRENT_POSITION);
            assertEquals(Opcode.WRITE, plainWrite.opcode());
            assertEquals(payload.length, run(h, plainWrite).result());
            Op fixedRead = h.ops.read(pipe[0], first, 0, first.capacity(), Ops.CURRENT_POSITION);
            assertEquals(Opcode.READ_FIXED, fixedRead.opcode());
            int n = run(h, fixedRead).result();
            assertArrayEquals(payload, first.segment().asSlice(0, n).toArray(JAVA_BYTE));

            assertThrows(IllegalArgumentException.class,
                    () -> h.ops.readFixed(pipe[0], overflow, 0, 16, Ops.CURRENT_POSITION),
                    "an unregistered buffer has no fixed index");
            assertEquals(0, h.table.active(), "no op taken for a refused buffer");

            IllegalStateException exhausted = assertThrows(IllegalStateException.class, pool::acquire);
            assertTrue(exhausted.getMessage().contains("maxBuffers"), exhausted.getMessage());
            second.release();
            assertSame(second, pool.acquire(), "a released registered buffer is handed out again");
            for (Buffer b : new Buffer[] {first, second, overflow}) {
                b.release();
            }
            pool.close();
        }
    }

    @Test
    void badOffsetsLengthsAndBuffersAreRefusedBeforeTheKernelSeesThem() throws Exception {
        try (RingHarness h = RingHarness.open(); RingHarness other = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool pool = BufferPool.open(h.ring, SMALL);
            BufferPool foreign = BufferPool.open(other.ring, SMALL);
            Buffer b = pool.acquire();
            int cap = b.capacity();
            long[][] bad = {{-1, 16}, {0, -1}, {cap, 1}, {1, cap}, {cap - 8, 16}, {Long.MAX_VALUE, 16}};
            for (long[] c : bad) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> h.ops.readFixed(pipe[0], b, c[0], (int) c[1], Ops.CURRENT_POSITION));
                assertTrue(e.getMessage().contains("outside buffer"), e.getMessage());
                assertThrows(IllegalArgumentException.class,
                        () -> h.ops.write(pipe[1], b, c[0], (int) c[1], Ops.CURRENT_POSITION));
            }
            Buffer elsewhere = foreign.acquire();
            assertThrows(IllegalArgumentException.class,
                    () -> h.ops.writeFixed(pipe[1], elsewhere, 0, 16, Ops.CURRENT_POSITION),
                    "another ring's buffer index means nothing here");

            b.release();
            assertThrows(IllegalStateException.class, () -> h.ops.read(pipe[0], b, 0, 16, Ops.CURRENT_POSITION),
                    "a released buffer cannot be lent");
            assertThrows(IllegalStateException.class, b::release, "nor released twice");
            assertEquals(0, h.table.active(), "no op was taken");
            assertEquals(0, h.ring.sqPending(), "no SQE was written");

            elsewhere.release();
            foreign.close();
            pool.close();
            assertThrows(IllegalStateException.class, pool::acquire);
        }
    }

    @Test
    void aSecondTableOnTheSameRingIsRefusedAndItsPoolWorksUnregistered() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            BufferPool registered = BufferPool.open(h.ring, SMALL);
            BufferPool second = BufferPool.open(h.ring, SMALL);
            assertTrue(registered.registered());
            assertFalse(second.registered());
            assertEquals("EBUSY", second.registrationError());
            assertNull(registered.registrationError());

            Buffer b = second.acquire();
            assertEquals(-1, b.index());
            b.segment().set(JAVA_BYTE, 0, (byte) 42);
            Op write = h.ops.write(pipe[1], b, 0, 1, Ops.CURRENT_POSITION);
            assertEquals(Opcode.WRITE, write.opcode());
            assertEquals(1, run(h, write).result());
            b.release();
            second.close();
            registered.close();
        }
    }
}
