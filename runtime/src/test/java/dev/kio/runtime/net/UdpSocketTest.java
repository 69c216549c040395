package dev.kio.runtime.net;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * UDP through IORING_OP_SENDMSG/RECVMSG (5.3): round trips over IPv4 and IPv6 with the senders'
 * addresses checked, bursts of datagrams with several sends in flight, truncation, a refused
 * connected peer, and typed set-up errors; no descriptor is left open.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UdpSocketTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private NetPool net;
    private Worker worker;
    private Arena arena;

    @BeforeEach
    void start() throws Exception {
        net = NetPool.start(1);
        worker = net.pool.worker(0);
        arena = Arena.ofShared();
        assumeTrue(IoUring.support().supports(Opcode.RECVMSG), "IORING_OP_SENDMSG/RECVMSG need Linux 5.3");
    }

    @AfterEach
    void stop() {
        net.close();
        arena.close();
    }

    @Test
    void ipv4RoundTripReportsEachSendersAddress() throws Exception {
        roundTrip(V4);
    }

    @Test
    void ipv6RoundTripReportsEachSendersAddress() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        assumeTrue(canBind(v6), "::1 is not available on this host");
        roundTrip(v6);
    }

    private boolean canBind(InetSocketAddress address) throws Exception {
        try {
            close(UdpSocket.bind(worker, address));
            return true;
        } catch (OpException e) {
            return false;
        }
    }

    /** a sends to b; b replies to the sender it received into its holder; each sees the other's address. */
    private void roundTrip(InetSocketAddress loopback) throws Exception {
        UdpSocket a = UdpSocket.bind(worker, loopback);
        UdpSocket b = UdpSocket.bind(worker, loopback);
        try {
            MemorySegment out = text("ping over " + loopback.getAddress().getHostAddress());
            MemorySegment in = arena.allocate(256);
            PeerAddress from = new PeerAddress();
            PeerAddress toB = PeerAddress.of(b.localAddress());

            assertEquals(out.byteSize(), net.awaitOp(worker, () -> a.sendTo(out, 0, (int) out.byteSize(), toB)));
            int n = net.awaitOp(worker, () -> b.receive(in, 0, 256, from));
            assertEquals(out.byteSize(), n);
            assertEquals(-1, MemorySegment.mismatch(out, 0, n, in, 0, n));
            assertEquals(a.localAddress(), from.toSocketAddress());

            MemorySegment reply = text("pong");
            assertEquals(4, net.awaitOp(worker, () -> b.sendTo(reply, 0, 4, from)));
            PeerAddress replier = new PeerAddress();
            assertEquals(4, net.awaitOp(worker, () -> a.receive(in, 0, 256, replier)));
            assertEquals("pong", string(in, 4));
            assertTrue(replier.sameAs(toB), replier + " vs " + toB);
            assertEquals(((InetSocketAddress) b.localAddress()).getPort(), replier.port());
        } finally {
            close(a);
            close(b);
        }
    }

    /**
     * 200 rounds of 16 datagrams of different sizes, all 16 sends in flight at once, then 16
     * receives: each arrives whole, with its own bytes and a's address; once the header pool has
     * grown to 16, the worker allocates nothing per datagram.
     */
    @Test
    void manyDatagramsArriveWholeAndTheWarmedPathAllocatesNothing() throws Exception {
        UdpSocket a = UdpSocket.bind(worker, V4);
        UdpSocket b = UdpSocket.bind(worker, V4);
        try {
            Burst warm = new Burst(a, b, 200);
            worker.syncWait(warm);
            Burst measured = new Burst(a, b, 200);
            long allocated = worker.syncWait(measured);
            assertEquals(200 * Burst.BATCH, measured.received);
            // The smallest object is 16 bytes: under 8 bytes a datagram, none can be allocated per
            // datagram; the rest is the worker's own occasional bookkeeping.
            assertTrue(allocated < 8L * measured.received, "allocated " + allocated + " bytes for "
                    + measured.received + " datagrams");
        } finally {
            close(a);
            close(b);
        }
    }

    /** Sends BATCH datagrams from a to b at once, then receives them, checking each; the result is the bytes allocated. */
    private final class Burst extends Frame<Long> {
        static final int BATCH = 16;
        private final UdpSocket a;
        private final UdpSocket b;
        private final int rounds;
        private final MemorySegment out = arena.allocate(BATCH * 1024L);
        private final MemorySegment in = arena.allocate(1024);
        private final PeerAddress toB;
        private final PeerAddress from = new PeerAddress();
        private long before;
        private int round;
        private int pending;
        private int next;
        int received;

        Burst(UdpSocket a, UdpSocket b, int rounds) {
            this.a = a;
            this.b = b;
            this.rounds = rounds;
            this.toB = PeerAddress.of(b.localAddress());
            for (int i = 0; i < BATCH; i++) {
                out.set(JAVA_INT, i * 1024L, i);
                for (int j = 4; j < size(i); j++) {
                    out.set(JAVA_BYTE, i * 1024L + j, (byte) (i * 31 + j));
                }
            }
        }

        private static int size(int i) {
            return 4 + i * 61;
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    before = THREADS.getCurrentThreadAllocatedBytes();
                    sendBatch();
                    return;
                }
                case 1 -> {
                    assertTrue(result() > 0);
                    if (--pending > 0) {
                        awaitMore();
                        return;
                    }
                    next = 0;
                    state = 2;
                    await(b.receive(in, 0, 1024, from));
                    return;
                }
                case 2 -> {
                    int n = result();
                    int i = in.get(JAVA_INT, 0);
                    if (n != size(i) || MemorySegment.mismatch(out, i * 1024L, i * 1024L + n, in, 0, n) >= 0
                            || from.port() != ((InetSocketAddress) a.localAddress()).getPort()) {
                        throw new AssertionError("datagram " + i + " of " + n + " bytes from " + from + " is wrong");
                    }
                    received++;
                    if (++next < BATCH) {
                        await(b.receive(in, 0, 1024, from));
                        return;
                    }
                    if (++round == rounds) {
                        complete(THREADS.getCurrentThreadAllocatedBytes() - before);
                        return;
                    }
                    sendBatch();
                    return;
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }

        private void sendBatch() {
            state = 1;
            pending = BATCH;
            for (int i = 0; i < BATCH; i++) {
                await(a.sendTo(out, i * 1024L, size(i), toB));
            }
        }
    }

    /**
     * A receive into a pooled buffer lends the buffer with the message header: released while the
     * receive waits, it stays lent, and goes back to the pool only once the datagram has arrived.
     */
    @Test
    void pooledBufferReleasedDuringAReceiveStaysLentUntilTheDatagramArrives() throws Exception {
        UdpSocket a = UdpSocket.bind(worker, V4);
        UdpSocket b = UdpSocket.bind(worker, V4);
        try {
            MemorySegment out = text("later");
            PeerAddress toA = PeerAddress.of(a.localAddress());
            PeerAddress from = new PeerAddress();
            boolean[] seen = worker.syncWait(new Frame<boolean[]>() {
                private final boolean[] checks = new boolean[4];
                private dev.kio.runtime.buf.Buffer buffer;
                private int heldBefore;
                private int pending;

                @Override
                protected void step() throws Throwable {
                    switch (state) {
                        case 0 -> {
                            heldBefore = worker().buffers().held();
                            buffer = worker().buffers().acquire();
                            state = 1;
                            pending = 2;
                            await(a.receive(buffer, 0, 64, from));
                            buffer.release();
                            checks[0] = buffer.isLent() && worker().buffers().held() == heldBefore + 1;
                            await(b.sendTo(out, 0, 5, toA));
                        }
                        case 1 -> {
                            if (result() != 5 || --pending > 0) {
                                awaitMore();
                                return;
                            }
                            checks[1] = from.sameAs(PeerAddress.of(b.localAddress()));
                            state = 2;
                            await(ops().nop());
                        }
                        default -> {
                            checks[2] = !buffer.isLent();
                            checks[3] = worker().buffers().held() == heldBefore;
                            complete(checks);
                        }
                    }
                }
            });
            assertEquals("[true, true, true, true]", java.util.Arrays.toString(seen),
                    "lent after release, sender seen, returned after completion, back in the pool");
        } finally {
            close(a);
            close(b);
        }
    }

    /** A datagram longer than the buffer fails with EMSGSIZE, its first bytes in the buffer; the next one arrives intact. */
    @Test
    void truncatedDatagramIsEmsgsizeNotAShortCount() throws Exception {
        UdpSocket a = UdpSocket.bind(worker, V4);
        UdpSocket b = UdpSocket.bind(worker, V4);
        try {
            PeerAddress toB = PeerAddress.of(b.localAddress());
            MemorySegment big = text("0123456789abcdefghij");
            MemorySegment small = text("xyz");
            MemorySegment in = arena.allocate(10);
            net.awaitOp(worker, () -> a.sendTo(big, 0, 20, toB));
            net.awaitOp(worker, () -> a.sendTo(small, 0, 3, toB));
            PeerAddress from = new PeerAddress();
            OpException e = assertThrows(OpException.class, () -> net.awaitOp(worker, () -> b.receive(in, 0, 10, from)));
            assertEquals(Errno.EMSGSIZE, e.errno());
            assertEquals("recvmsg", e.operation());
            assertEquals(b.toString(), e.target());
            assertEquals("0123456789", string(in, 10));
            assertEquals(3, net.awaitOp(worker, () -> b.receive(in, 0, 10, from)));
            assertEquals("xyz", string(in, 3));
        } finally {
            close(a);
            close(b);
        }
    }

    /**
     * A socket connected to a port nobody listens on: the first datagram goes out, the kernel's
     * "port unreachable" comes back, and the receive waiting on the socket fails with ECONNREFUSED
     * naming both ends.
     */
    @Test
    void connectedSocketToAClosedPortGetsEconnrefused() throws Exception {
        UdpSocket gone = UdpSocket.bind(worker, V4);
        InetSocketAddress closedPort = (InetSocketAddress) gone.localAddress();
        close(gone);
        UdpSocket a = UdpSocket.bind(worker, V4);
        try {
            a.connect(closedPort);
            MemorySegment out = text("anyone?");
            MemorySegment in = arena.allocate(16);
            assertEquals(7, net.awaitOp(worker, () -> a.send(out, 0, 7)));
            OpException e = assertThrows(OpException.class, () -> net.awaitOp(worker, () -> a.receive(in, 0, 16, null)));
            assertEquals(Errno.ECONNREFUSED, e.errno(), e::getMessage);
            assertEquals("recvmsg(udp " + SockAddr.format(a.localAddress()) + " -> 127.0.0.1:" + closedPort.getPort()
                    + ") failed: ECONNREFUSED (Connection refused)", e.getMessage());
        } finally {
            close(a);
        }
    }

    @Test
    void bindingAPortInUseIsEaddrinuseAndLeavesNothingOpen() throws Exception {
        UdpSocket a = UdpSocket.bind(worker, V4);
        try {
            InetSocketAddress taken = (InetSocketAddress) a.localAddress();
            OpException e = assertThrows(OpException.class, () -> UdpSocket.bind(worker, taken));
            assertEquals(Errno.EADDRINUSE, e.errno());
            assertEquals("bind(udp 127.0.0.1:" + taken.getPort() + ") failed: EADDRINUSE (Address already in use)",
                    e.getMessage());
        } finally {
            close(a);
        }
    }

    @Test
    void operationsOffTheSocketsWorkerAreRefused() throws Exception {
        UdpSocket a = UdpSocket.bind(worker, V4);
        try {
            MemorySegment in = arena.allocate(16);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.receive(in, 0, 16, null));
            assertTrue(e.getMessage().contains("must run on its"), e::getMessage);
            assertThrows(IllegalArgumentException.class,
                    () -> net.awaitOp(worker, () -> a.sendTo(in, 0, 16, new PeerAddress())));
        } finally {
            close(a);
        }
    }

    private void close(UdpSocket socket) throws Exception {
        net.awaitOp(worker, socket::close);
    }

    private MemorySegment text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
    }

    private static String string(MemorySegment segment, int length) {
        return new String(segment.asSlice(0, length).toArray(JAVA_BYTE), StandardCharsets.US_ASCII);
    }
}
