package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.MultishotReceive;
import dev.kio.runtime.buf.ProvidedBuffers;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A TCP connection's multishot receive into a provided-buffer group of 4 x 4 KiB: a 1 MiB stream
 * arrives whole and in order, chunk by chunk, and the receive ends with 0 at end of stream.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MultishotRecvTest {
    private static final int BYTES = 1 << 20;

    @Test
    void multishotReceiveOnAConnectionDeliversTheWholeStreamInOrder() throws Exception {
        assumeTrue(IoUring.support().supports(Opcode.RECV)
                && Integer.parseInt(System.getProperty("os.version").split("[.-]")[0]) > 5,
                "multishot receive needs Linux 6.0");
        byte[] data = TcpEchoTest.random(BYTES);
        try (NetPool net = NetPool.start(1);
                TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(),
                        conn -> new Collect(conn, net.outcomes));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            try (OutputStream out = s.getOutputStream()) {
                out.write(data);
            }
            assertArrayEquals(data, (byte[]) net.nextOutcome());
        }
    }

    /** Arms the multishot receive, collects chunks until its end, then closes the group and the connection. */
    static final class Collect extends Frame<Void> implements MultishotReceive.Handler {
        private final Conn conn;
        private final BlockingQueue<Object> outcomes;
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();
        private ProvidedBuffers group;
        private int end = 1;

        Collect(Conn conn, BlockingQueue<Object> outcomes) {
            this.conn = conn;
            this.outcomes = outcomes;
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    try {
                        group = ProvidedBuffers.open(worker().ring(), 7, 4, 4096);
                    } catch (OpException e) {
                        outcomes.add(e);
                        state = 2;
                        await(conn.close());
                        return;
                    }
                    conn.recvMultishot(group, this);
                    state = 1;
                    await(ops().sleep(1_000_000));
                }
                case 1 -> {
                    if (end == 1) {
                        await(ops().sleep(1_000_000));
                        return;
                    }
                    group.close();
                    outcomes.add(end == 0 ? got.toByteArray() : (Object) ("ended with " + Errno.name(-end)));
                    state = 2;
                    await(conn.close());
                }
                default -> done();
            }
        }

        @Override
        public void onData(Buffer data) {
            got.write(data.segment().asSlice(0, data.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0,
                    data.length());
            data.release();
        }

        @Override
        public void onEnd(int result) {
            end = result;
        }
    }
}
