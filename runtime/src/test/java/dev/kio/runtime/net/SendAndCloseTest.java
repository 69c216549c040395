package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.Frame;

/**
 * {@link Conn#sendAndClose}: a send hard-linked to a close, one submission. The peer reads every
 * byte and then end of stream; a send that fails still closes the socket, and the failure names
 * the send.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SendAndCloseTest {
    private static final int BYTES = 12_000;

    /** Fills a pooled buffer, optionally shuts its sending half down first, then awaits sendAndClose. */
    private static final class Reply extends Frame<Void> {
        private final Conn conn;
        private final boolean shutFirst;
        private final BlockingQueue<Object> outcomes;
        private Buffer buffer;

        Reply(Conn conn, boolean shutFirst, BlockingQueue<Object> outcomes) {
            this.conn = conn;
            this.shutFirst = shutFirst;
            this.outcomes = outcomes;
        }

        @Override
        protected void step() throws Throwable {
            try {
                if (state == 0) {
                    buffer = worker().buffers().acquire();
                    MemorySegment.copy(MemorySegment.ofArray(pattern()), 0, buffer.segment(), 0, BYTES);
                    state = 1;
                    if (shutFirst && await(conn.shutdownOutput())) {
                        return;
                    }
                }
                if (state == 1) {
                    if (shutFirst) {
                        result();
                    }
                    state = 2;
                    if (await(conn.sendAndClose(buffer, 0, BYTES))) {
                        return;
                    }
                }
                outcomes.add(result());
            } catch (OpException e) {
                outcomes.add(e);
            }
            outcomes.add(conn.isClosed());
            buffer.release();
            done();
        }
    }

    private static byte[] pattern() {
        byte[] b = new byte[BYTES];
        for (int i = 0; i < BYTES; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @Test
    void thePeerReadsEveryByteThenEndOfStream() throws Exception {
        try (NetPool net = NetPool.start(1);
                TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(),
                        c -> new Reply(c, false, net.outcomes));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            assertArrayEquals(pattern(), s.getInputStream().readAllBytes(), "all bytes, then EOF");
            assertEquals(0, net.nextOutcome(), "the chain's close");
            assertEquals(true, net.nextOutcome(), "the connection counts as closed");
        }
    }

    @Test
    void aFailedSendIsReportedAndTheSocketIsClosedAnyway() throws Exception {
        try (NetPool net = NetPool.start(1);
                TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(),
                        c -> new Reply(c, true, net.outcomes));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OpException e = assertInstanceOf(OpException.class, net.nextOutcome());
            assertEquals(Errno.EPIPE, e.errno());
            assertEquals("send", e.operation());
            assertTrue(e.getMessage().matches("send\\(tcp .*-> 127\\.0\\.0\\.1:\\d+\\) failed: EPIPE \\(Broken pipe\\)"),
                    e.getMessage());
            assertEquals(true, net.nextOutcome());
            assertEquals(-1, s.getInputStream().read(), "the hard-linked close ran: the peer sees end of stream");
        }
    }
}
