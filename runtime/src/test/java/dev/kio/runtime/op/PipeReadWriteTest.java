package dev.kio.runtime.op;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * IORING_OP_READ and IORING_OP_WRITE (5.6) on a pipe, with native segments: data round trips,
 * bad segments are refused before the kernel sees anything, and a bad fd fails with EBADF.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeReadWriteTest {

    @BeforeEach
    void readAndWriteSupported() throws Exception {
        var support = dev.kio.runtime.ring.IoUring.support();
        assumeTrue(support.supports(Opcode.READ) && support.supports(Opcode.WRITE), "READ/WRITE need Linux 5.6");
    }

    @Test
    void bytesWrittenToAPipeAreReadBack() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            byte[] message = "hello, io_uring".getBytes(StandardCharsets.US_ASCII);
            MemorySegment src = h.bytes(message);
            MemorySegment dst = h.arena.allocate(64);
            Completions done = new Completions();

            Op write = h.ops.write(pipe[1], src, 0, message.length, Ops.CURRENT_POSITION);
            Op read = h.ops.read(pipe[0], dst, 0, 64, Ops.CURRENT_POSITION);
            long w = write.token();
            long r = read.token();
            h.table.submit(write, done);
            h.table.submit(read, done);
            h.pumpUntil(() -> done.done(w) && done.done(r), Duration.ofSeconds(5));

            Completions.Seen wrote = done.only(w);
            Completions.Seen got = done.only(r);
            assertEquals(Outcome.OK, wrote.outcome());
            assertEquals(message.length, wrote.result());
            assertEquals(Opcode.WRITE, wrote.opcode());
            assertEquals(pipe[1], wrote.fd());
            assertEquals(Outcome.OK, got.outcome());
            assertEquals(message.length, got.result());
            assertEquals(Opcode.READ, got.opcode());
            assertArrayEquals(message, dst.asSlice(0, got.result()).toArray(JAVA_BYTE));
            assertEquals(0, h.table.active());
        }
    }

    @Test
    void offsetsIntoSegmentsAreHonouredBothWays() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            byte[] payload = new byte[4096];
            new Random(42).nextBytes(payload);
            MemorySegment src = h.arena.allocate(payload.length + 100);
            MemorySegment.copy(MemorySegment.ofArray(payload), 0, src, 37, payload.length);
            MemorySegment dst = h.arena.allocate(payload.length + 100);
            dst.fill((byte) 0x5A);
            Completions done = new Completions();

            Op write = h.ops.write(pipe[1], src, 37, payload.length, Ops.CURRENT_POSITION);
            long w = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(w), Duration.ofSeconds(5));
            assertEquals(payload.length, done.only(w).result());

            int total = 0;
            while (total < payload.length) {
                Op read = h.ops.read(pipe[0], dst, 11 + total, payload.length - total, Ops.CURRENT_POSITION);
                long r = read.token();
                h.table.submit(read, done);
                h.pumpUntil(() -> done.done(r), Duration.ofSeconds(5));
                int n = done.only(r).result();
                assertTrue(n > 0, "read returned " + n);
                total += n;
            }
            assertArrayEquals(payload, dst.asSlice(11, payload.length).toArray(JAVA_BYTE));
            assertEquals((byte) 0x5A, dst.get(JAVA_BYTE, 10), "nothing written before the offset");
            assertEquals((byte) 0x5A, dst.get(JAVA_BYTE, 11 + payload.length), "nor after the length");
        }
    }

    @Test
    void readingToEndOfFileReturnsZero() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            h.closeFd(pipe[1]);
            MemorySegment dst = h.arena.allocate(8);
            Completions done = new Completions();
            Op read = h.ops.read(pipe[0], dst, 0, 8, Ops.CURRENT_POSITION);
            long r = read.token();
            h.table.submit(read, done);
            h.pumpUntil(() -> done.done(r), Duration.ofSeconds(5));
            assertEquals(Outcome.OK, done.only(r).outcome());
            assertEquals(0, done.only(r).result());
        }
    }

    @Test
    void readBeyondTheSegmentThrowsBeforeAnythingReachesTheKernel() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            MemorySegment seg = h.arena.allocate(16);
            int active = h.table.active();

            assertThrows(IndexOutOfBoundsException.class, () -> h.ops.read(pipe[0], seg, 8, 9, Ops.CURRENT_POSITION));
            assertThrows(IndexOutOfBoundsException.class, () -> h.ops.read(pipe[0], seg, 0, 17, Ops.CURRENT_POSITION));
            assertThrows(IndexOutOfBoundsException.class, () -> h.ops.read(pipe[0], seg, 17, 0, Ops.CURRENT_POSITION));
            assertThrows(IndexOutOfBoundsException.class, () -> h.ops.read(pipe[0], seg, -1, 4, Ops.CURRENT_POSITION));
            assertThrows(IndexOutOfBoundsException.class, () -> h.ops.read(pipe[0], seg, 0, -1, Ops.CURRENT_POSITION));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> h.ops.read(pipe[0], seg.asSlice(4, 8), 0, 12, Ops.CURRENT_POSITION),
                    "a slice's bounds count, not its backing memory's");
            assertThrows(IndexOutOfBoundsException.class,
                    () -> h.ops.write(pipe[1], seg, 12, 8, Ops.CURRENT_POSITION));

            assertEquals(active, h.table.active(), "no op was taken from the table");
            assertEquals(0, h.ring.sqPending(), "no SQE was written");
            // The exact fit is fine.
            Op ok = h.ops.read(pipe[0], seg, 8, 8, Ops.CURRENT_POSITION);
            assertEquals(OpState.PREPARED, ok.state());
            h.table.submit(ok, OpWaiter.IGNORE);
            assertTrue(h.table.cancel(ok.token()));
            h.pumpUntil(() -> h.table.active() == active, Duration.ofSeconds(5));
        }
    }

    @Test
    void heapSegmentIsRefused() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            MemorySegment heap = MemorySegment.ofArray(new byte[16]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> h.ops.read(pipe[0], heap, 0, 16, Ops.CURRENT_POSITION));
            assertTrue(e.getMessage().contains("native"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> h.ops.write(pipe[1], heap, 0, 16, Ops.CURRENT_POSITION));
            assertThrows(NullPointerException.class, () -> h.ops.read(pipe[0], (MemorySegment) null, 0, 16, Ops.CURRENT_POSITION));
            MemorySegment readOnly = h.arena.allocate(16).asReadOnly();
            assertThrows(IllegalArgumentException.class,
                    () -> h.ops.read(pipe[0], readOnly, 0, 16, Ops.CURRENT_POSITION),
                    "the kernel would write into a read-only segment");
            assertEquals(0, h.table.active());
            assertEquals(0, h.ring.sqPending());
        }
    }

    @Test
    void segmentOfAClosedArenaIsRefusedBeforeTheKernelSeesIt() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            MemorySegment freed;
            try (Arena arena = Arena.ofConfined()) {
                freed = arena.allocate(16);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> h.ops.read(pipe[0], freed, 0, 16, Ops.CURRENT_POSITION));
            assertTrue(e.getMessage().contains("arena of the segment is closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> h.ops.write(pipe[1], freed, 0, 16, Ops.CURRENT_POSITION));
            IoVecs vecs = new IoVecs(h.arena, 2).set(0, h.arena.allocate(8), 0, 8).set(1, freed, 0, 16);
            e = assertThrows(IllegalStateException.class, () -> h.ops.readv(pipe[0], vecs, Ops.CURRENT_POSITION));
            assertTrue(e.getMessage().contains("of iovec 1"), e.getMessage());
            assertEquals(0, h.table.active());
            assertEquals(0, h.ring.sqPending());
        }
    }

    @Test
    void writeFromAReadOnlySegmentIsAllowed() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            MemorySegment src = h.bytes(new byte[] {1, 2, 3}).asReadOnly();
            Completions done = new Completions();
            Op write = h.ops.write(pipe[1], src, 0, 3, Ops.CURRENT_POSITION);
            assertSame(src, write.keepAlive, "the op keeps its segment reachable");
            long w = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(w), Duration.ofSeconds(5));
            assertEquals(3, done.only(w).result());
        }
    }

    @Test
    void readOnAClosedFdFailsWithEbadfAndNamesItInTheException() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            int[] pipe = h.pipe();
            int closed = pipe[0];
            h.closeFd(closed);
            assertFalse(Files.exists(Path.of("/proc/self/fd/" + closed), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "fd " + closed + " is closed (not reused by another thread)");
            MemorySegment dst = h.arena.allocate(8);
            OpException[] failure = new OpException[1];
            Completions done = new Completions();
            Op read = h.ops.read(closed, dst, 0, 8, Ops.CURRENT_POSITION);
            long r = read.token();
            h.table.submit(read, op -> {
                done.onComplete(op);
                failure[0] = op.failure();
            });
            h.pumpUntil(() -> done.done(r), Duration.ofSeconds(5));

            Completions.Seen seen = done.only(r);
            assertEquals(Outcome.FAILED, seen.outcome());
            assertEquals(-Errno.EBADF, seen.result());
            OpException e = failure[0];
            assertEquals(OpException.class, e.getClass(), "a plain failure, neither cancelled nor timed out");
            assertEquals(Errno.EBADF, e.errno());
            assertEquals("EBADF", e.errnoName());
            assertEquals("read", e.operation());
            assertEquals("fd " + closed, e.target());
            String message = e.getMessage();
            assertTrue(message.contains("read"), message);
            assertTrue(message.contains("fd " + closed), message);
            assertTrue(message.contains("EBADF"), message);
            assertEquals(0, h.table.active());
        }
    }

    @Test
    void readOnAnFdThatCannotExistFailsWithEbadf() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            MemorySegment dst = h.arena.allocate(8);
            Completions done = new Completions();
            Op read = h.ops.read(Integer.MAX_VALUE, dst, 0, 8, Ops.CURRENT_POSITION);
            long r = read.token();
            h.table.submit(read, done);
            Op write = h.ops.write(-1, dst, 0, 8, Ops.CURRENT_POSITION);
            long w = write.token();
            h.table.submit(write, done);
            h.pumpUntil(() -> done.done(r) && done.done(w), Duration.ofSeconds(5));
            assertEquals(-Errno.EBADF, done.only(r).result());
            assertEquals(-Errno.EBADF, done.only(w).result());
            assertEquals(Outcome.FAILED, done.only(w).outcome());
            OpException e = Op.failure(Outcome.FAILED, -Errno.EBADF, Opcode.WRITE, -1, 0);
            assertEquals("write(fd -1) failed: EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    @Test
    void failureRefusesAnOkOutcome() {
        assertThrows(IllegalArgumentException.class, () -> Op.failure(Outcome.OK, 0, Opcode.READ, 3, 0));
    }
}
