package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * sendAll and recvExactly over 4 MiB through 64 KiB socket buffers, so that every receive and
 * send is short and the loops carry on where each stopped; with and without zero-copy sends.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransferTest {
    private static final int BYTES = 4 << 20;

    @Test
    void recvExactlyThenSendAllMoveFourMebibytesInShortTransfers() throws Exception {
        roundTrip(SocketOptions.defaults().withReceiveBuffer(64 * 1024).withSendBuffer(64 * 1024));
    }

    /** Sends from 64 KiB up go out as SEND_ZC; each chunk's memory stays lent until its notification. */
    @Test
    void sendAllWithZeroCopyAboveAThresholdDeliversTheSameBytes() throws Exception {
        roundTrip(SocketOptions.defaults().withZeroCopyThreshold(64 * 1024));
    }

    private static void roundTrip(SocketOptions options) throws Exception {
        byte[] data = TcpEchoTest.random(BYTES);
        try (NetPool net = NetPool.start(1); Arena arena = Arena.ofShared()) {
            MemorySegment held = arena.allocate(BYTES);
            try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, options,
                    c -> c.recvExactly(held, 0, BYTES), c -> c.sendAll(held, 0, BYTES));
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.getOutputStream().write(data);
                byte[] back = s.getInputStream().readNBytes(BYTES);
                assertArrayEquals(data, back);
                assertEquals(Arrays.asList(null, null), net.nextOutcome());
            }
        }
    }
}
