package dev.kio.runtime.net;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.worker.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SEND_ZC (6.0) completes twice: the count, then a notification once the kernel no longer reads
 * the memory. The sender resumes on the first; the pooled buffer it sent from stays lent until
 * the second, so releasing it at once is deferred, and it is back in the pool afterwards.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZeroCopySendTest {

    @Test
    void bufferSentWithZeroCopyStaysLentUntilTheNotification() throws Exception {
        assumeTrue(IoUring.support().supports(Opcode.SEND_ZC), "SEND_ZC needs Linux 6.0");
        try (NetPool net = NetPool.start(1);
                TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK,
                        SocketOptions.defaults().withZeroCopyThreshold(1024), conn -> new ZcSend(conn, net.outcomes));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            byte[] got = s.getInputStream().readAllBytes();
            byte[] expected = new byte[got.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (byte) i;
            }
            assertEquals(16 * 1024, got.length);
            assertArrayEquals(expected, got);
            // The count; lent when the sender resumed; the pool's held count before release, and once it came back.
            assertEquals(List.of(16 * 1024, true, 1, 0), net.nextOutcome());
        }
    }

    /** Sends one 16 KiB pooled buffer, releases it at once, and waits until the pool has it back. */
    static final class ZcSend extends Frame<Void> {
        private final Conn conn;
        private final java.util.concurrent.BlockingQueue<Object> outcomes;
        private Buffer buffer;
        private int sent;
        private boolean lentOnResume;
        private int heldBeforeRelease;
        private int polls;

        ZcSend(Conn conn, java.util.concurrent.BlockingQueue<Object> outcomes) {
            this.conn = conn;
            this.outcomes = outcomes;
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    buffer = worker().buffers().acquire();
                    for (int i = 0; i < 16 * 1024; i++) {
                        buffer.segment().set(JAVA_BYTE, i, (byte) i);
                    }
                    state = 1;
                    await(conn.send(buffer, 16 * 1024));
                }
                case 1 -> {
                    sent = result();
                    // The notification CQE is handled after this one: the kernel may still read the buffer.
                    lentOnResume = buffer.isLent();
                    heldBeforeRelease = worker().buffers().held();
                    buffer.release();
                    state = 2;
                    await(ops().sleep(1_000_000));
                }
                case 2 -> {
                    if (worker().buffers().held() > 0 && ++polls < 1000) {
                        await(ops().sleep(1_000_000));
                        return;
                    }
                    outcomes.add(List.of(sent, lentOnResume, heldBeforeRelease, worker().buffers().held()));
                    state = 3;
                    await(conn.close());
                }
                default -> done();
            }
        }
    }
}
