package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.op.RingHarness;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Provided buffer rings ({@code IORING_REGISTER_PBUF_RING}, 5.19) feeding a multishot receive
 * ({@code IORING_RECV_MULTISHOT}, 6.0) on a Unix socket pair: a stream much larger than the ring
 * arrives whole and in order while the consumer makes the ring run dry (ENOBUFS) again and again;
 * released buffers go back into the ring; stops and closes wait for the kernel.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProvidedBufferRingTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final int STREAM_BYTES = 4 << 20;
    private static final int BUFFERS = 8;
    private static final int BUFFER_BYTES = 4096;

    @BeforeEach
    void multishotRecvSupported() throws Exception {
        assumeMultishotRecv();
    }

    /**
     * RECV is in the probe (5.6); its multishot flag (6.0) is not, and a kernel without it fails
     * the first receive with EINVAL, so the release is checked.
     */
    static void assumeMultishotRecv() throws Exception {
        assumeTrue(IoUring.support().supports(Opcode.RECV), "RECV needs Linux 5.6");
        String[] release = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(release[0]);
        assumeTrue(major > 5, "multishot receive needs Linux 6.0, this is " + System.getProperty("os.version"));
    }

    /** Opens a group, skipping the test on kernels without provided buffer rings. */
    private static ProvidedBuffers group(RingHarness h, int id) {
        try {
            return ProvidedBuffers.open(h.ring, id, BUFFERS, BUFFER_BYTES);
        } catch (OpException e) {
            assumeTrue(e.errno() != Errno.EINVAL, "provided buffer rings need Linux 5.19: " + e.getMessage());
            throw new AssertionError(e);
        }
    }

    /** Writes all of {@code data} to {@code fd}, one write in flight at a time, resuming after short writes. */
    static final class Sender implements OpWaiter {
        private final Ops ops;
        private final int fd;
        private final MemorySegment data;
        long sent;
        int failure;

        Sender(Ops ops, int fd, MemorySegment data) {
            this.ops = ops;
            this.fd = fd;
            this.data = data;
        }

        void start() {
            int n = (int) Math.min(256 * 1024, data.byteSize() - sent);
            ops.table().submit(ops.write(fd, data, sent, n, Ops.CURRENT_POSITION), this);
        }

        @Override
        public void onComplete(Op op) {
            if (op.outcome() != Outcome.OK) {
                failure = op.result();
                return;
            }
            sent += op.result();
            if (sent < data.byteSize()) {
                start();
            }
        }
    }

    /** Checks each chunk against the bytes sent, at the offset reached so far; holds or releases it. */
    static final class Collector implements MultishotReceive.Handler {
        private final MemorySegment expected;
        private final boolean holdUntilStarved;
        final ArrayDeque<Buffer> held = new ArrayDeque<>();
        long received;
        long chunks;
        Integer end;

        Collector(MemorySegment expected, boolean holdUntilStarved) {
            this.expected = expected;
            this.holdUntilStarved = holdUntilStarved;
        }

        @Override
        public void onData(Buffer data) {
            int n = data.length();
            if (received + n > expected.byteSize()) {
                fail("received " + (received + n) + " bytes, more than the " + expected.byteSize() + " sent");
            }
            long at = MemorySegment.mismatch(data.segment(), 0, n, expected, received, received + n);
            if (at >= 0) {
                fail("byte " + (received + at) + " of the stream differs: lost or reordered data");
            }
            received += n;
            chunks++;
            if (holdUntilStarved) {
                held.add(data);
            } else {
                data.release();
            }
        }

        @Override
        public void onEnd(int result) {
            assertNull(end, "onEnd came twice");
            end = result;
        }

        void releaseAll() {
            for (Buffer b = held.poll(); b != null; b = held.poll()) {
                b.release();
            }
        }
    }

    private static MemorySegment randomStream(RingHarness h) {
        MemorySegment data = h.arena.allocate(STREAM_BYTES);
        data.copyFrom(MemorySegment.ofArray(RegisteredBufferTest.random(STREAM_BYTES, 4)));
        return data;
    }

    /** A multishot receive on one end of {@code pair} and a sender of {@code data} on the other, both started. */
    record Stream(ProvidedBuffers group, Collector collector, MultishotReceive receive, Sender sender) {
        static Stream start(RingHarness h, SocketPair pair, int groupId, MemorySegment data, boolean holdUntilStarved) {
            ProvidedBuffers group = ProvidedBufferRingTest.group(h, groupId);
            Collector collector = new Collector(data, holdUntilStarved);
            MultishotReceive receive = MultishotReceive.start(h.ops, pair.a, group, collector);
            Sender sender = new Sender(h.ops, pair.b, data);
            sender.start();
            return new Stream(group, collector, receive, sender);
        }
    }

    @Test
    void largeStreamThroughASmallRingArrivesInOrderWhileTheRingRunsDryAgainAndAgain() throws Throwable {
        try (RingHarness h = RingHarness.open(); SocketPair pair = new SocketPair()) {
            Stream s = Stream.start(h, pair, 1, randomStream(h), true);
            ProvidedBuffers group = s.group();
            Collector collector = s.collector();
            MultishotReceive receive = s.receive();
            Sender sender = s.sender();

            int dry = 0;
            while (collector.received < STREAM_BYTES) {
                h.pumpUntil(() -> receive.isStarved() || collector.received == STREAM_BYTES || collector.end != null,
                        LIMIT);
                assertNull(collector.end, "the receive ended early");
                if (receive.isStarved()) {
                    dry++;
                    assertEquals(BUFFERS, collector.held.size(), "every buffer was used before ENOBUFS");
                    assertEquals(0, group.inRing());
                    long arms = receive.arms();
                    h.ring.enter(0);
                    h.reap();
                    assertTrue(receive.isStarved(), "nothing re-arms while the consumer holds every buffer");
                    assertEquals(arms, receive.arms());
                    collector.releaseAll();
                    assertFalse(receive.isStarved(), "re-armed once a buffer came back");
                }
            }
            assertEquals(0, sender.failure);
            assertEquals(STREAM_BYTES, sender.sent);
            assertTrue(dry > STREAM_BYTES / (BUFFERS * BUFFER_BYTES) / 2,
                    "the ring ran dry " + dry + " times over " + STREAM_BYTES + " bytes");
            assertEquals(dry, receive.starvations(), "each ENOBUFS waited for the consumer");
            assertEquals(dry + 1, receive.arms(), "one receive SQE, then one per time the ring ran dry: no spinning");
            collector.releaseAll();

            pair.closeB();
            h.pumpUntil(() -> collector.end != null, LIMIT);
            assertEquals(0, collector.end, "end of stream");
            assertEquals(BUFFERS, group.inRing(), "every buffer is back in the ring");
            group.close();
            assertTrue(group.isFreed());
        }
    }

    @Test
    void buffersReleasedAtOnceCarryTheWholeStreamInOrderToEndOfStream() throws Throwable {
        try (RingHarness h = RingHarness.open(); SocketPair pair = new SocketPair()) {
            Stream s = Stream.start(h, pair, 2, randomStream(h), false);
            ProvidedBuffers group = s.group();
            Collector collector = s.collector();
            MultishotReceive receive = s.receive();
            Sender sender = s.sender();
            h.pumpUntil(() -> sender.sent == STREAM_BYTES || sender.failure != 0, LIMIT);
            pair.closeB();
            h.pumpUntil(() -> collector.end != null, LIMIT);

            assertEquals(0, collector.end);
            assertEquals(STREAM_BYTES, collector.received);
            assertTrue(collector.chunks >= STREAM_BYTES / BUFFER_BYTES);
            assertTrue(receive.isEnded());
            assertEquals(BUFFERS, group.inRing());
            group.close();
        }
    }

    @Test
    void aReceivedBufferEchoedByAWriteGoesBackToTheRingOnlyAfterTheWrite() throws Throwable {
        try (RingHarness h = RingHarness.open(); SocketPair pair = new SocketPair()) {
            int[] pipe = h.pipe();
            ProvidedBuffers group = group(h, 3);
            MemorySegment hello = h.bytes("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Collector collector = new Collector(hello, true);
            MultishotReceive receive = MultishotReceive.start(h.ops, pair.a, group, collector);
            h.table.submit(h.ops.write(pair.b, hello, 0, 5, Ops.CURRENT_POSITION), op -> { });
            h.pumpUntil(() -> collector.received == 5, LIMIT);
            Buffer got = collector.held.poll();
            assertEquals(BUFFERS - 1, group.inRing());

            boolean[] echoed = new boolean[1];
            h.table.submit(h.ops.write(pipe[1], got, 0, got.length(), Ops.CURRENT_POSITION), op -> {
                assertEquals(5, op.result());
                assertEquals(BUFFERS - 1, group.inRing(), "still the write's when it completes");
                echoed[0] = true;
            });
            got.release();
            assertTrue(got.isLent());
            assertEquals(BUFFERS - 1, group.inRing(), "lent to the write: not back in the ring");
            h.pumpUntil(() -> echoed[0] && !got.isLent(), LIMIT);
            assertEquals(BUFFERS, group.inRing());

            MemorySegment echo = h.arena.allocate(8);
            Op read = h.ops.read(pipe[0], echo, 0, 8, Ops.CURRENT_POSITION);
            int[] n = {-1};
            h.table.submit(read, op -> n[0] = op.result());
            h.pumpUntil(() -> n[0] >= 0, LIMIT);
            assertEquals("hello", new String(echo.asSlice(0, n[0]).toArray(JAVA_BYTE),
                    java.nio.charset.StandardCharsets.US_ASCII));

            receive.stop();
            h.pumpUntil(() -> collector.end != null, LIMIT);
            assertEquals(-Errno.ECANCELED, collector.end);
            group.close();
        }
    }

    @Test
    void aGroupLeftOpenIsClosedAndFreedWithItsRing() throws Exception {
        ProvidedBuffers group;
        ProvidedBuffers closedEarlier;
        try (RingHarness h = RingHarness.open()) {
            group = group(h, 6);
            closedEarlier = group(h, 7);
            closedEarlier.close();
            assertTrue(closedEarlier.isFreed());
            assertFalse(group.isClosed());
        }
        assertTrue(group.isClosed(), "closed by the ring's close");
        assertTrue(group.isFreed(), "nothing was lent, so the memory is given back");
    }

    @Test
    void stopWhileArmedEndsAfterTheCancelAndTheGroupIsFreedOnlyThen() throws Throwable {
        try (RingHarness h = RingHarness.open(); SocketPair pair = new SocketPair()) {
            ProvidedBuffers group = group(h, 4);
            Collector collector = new Collector(h.arena.allocate(1), false);
            MultishotReceive receive = MultishotReceive.start(h.ops, pair.a, group, collector);
            assertEquals(1, h.ring.enter(0), "armed in the kernel, no data yet");
            h.reap();

            group.close();
            assertFalse(group.isFreed(), "a receive may still fill its buffers");
            assertThrows(IllegalArgumentException.class, () -> h.ops.recvMultishot(pair.a, group));
            receive.stop();
            assertNull(collector.end, "not before the kernel's last completion");
            h.pumpUntil(() -> collector.end != null, LIMIT);
            assertEquals(-Errno.ECANCELED, collector.end);
            assertTrue(group.isFreed(), "freed once the receive's last completion came");
            assertEquals(0, h.table.owed());
        }
    }

    @Test
    void stopWhileWaitingForBuffersEndsAtOnce() throws Throwable {
        try (RingHarness h = RingHarness.open(); SocketPair pair = new SocketPair()) {
            Stream s = Stream.start(h, pair, 5, randomStream(h).asSlice(0, 64 * 1024), true);
            ProvidedBuffers group = s.group();
            Collector collector = s.collector();
            MultishotReceive receive = s.receive();
            Sender sender = s.sender();
            h.pumpUntil(receive::isStarved, LIMIT);

            receive.stop();
            assertEquals(-Errno.ECANCELED, collector.end, "nothing in the kernel to wait for");
            assertFalse(receive.isStarved());
            collector.releaseAll();
            assertEquals(BUFFERS, group.inRing(), "released buffers go back");
            assertEquals(1, receive.arms(), "a stopped receive is not re-armed");
            h.pumpUntil(() -> sender.sent == 64 * 1024, LIMIT);
            group.close();
            assertTrue(group.isFreed());
        }
    }
}
