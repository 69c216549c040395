package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kio.OpTimedOutException;
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

    @Test
    void recvExactlyWithATimeoutCompletesWhenEveryByteArrivesInTime() throws Exception {
        try (NetPool net = NetPool.start(1); Arena arena = Arena.ofShared()) {
            MemorySegment held = arena.allocate(100);
            try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                    c -> c.recvExactly(held, 0, 100, Duration.ofSeconds(10)));
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(new byte[40]);
                out.flush();
                out.write(new byte[60]);
                assertEquals(Arrays.asList((Object) null), net.nextOutcome());
            }
        }
    }

    /**
     * The timeout covers the whole transfer: a peer trickling a byte every 20 ms keeps every
     * single receive well inside 300 ms, yet the transfer fails after 300 ms in all.
     */
    @Test
    void recvExactlyTimesOutOverallAndNamesTheBytesReceivedBy() throws Exception {
        try (NetPool net = NetPool.start(1); Arena arena = Arena.ofShared()) {
            MemorySegment held = arena.allocate(100);
            try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                    c -> c.recvExactly(held, 0, 100, Duration.ofMillis(300)));
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                Thread trickle = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 99; i++) {
                            s.getOutputStream().write(i);
                            Thread.sleep(20);
                        }
                    } catch (IOException | InterruptedException closedByTheTest) {
                        // the session has failed and the socket is closed: nothing more to send
                    }
                });
                Object outcome = net.nextOutcome();
                s.close();
                trickle.join();

                OpTimedOutException e = assertInstanceOf(OpTimedOutException.class, outcome);
                assertEquals("ETIMEDOUT", e.errnoName());
                assertEquals("recvExactly", e.operation());
                assertEquals(Duration.ofMillis(300), e.timeout());
                Matcher received = Pattern.compile("after (\\d+) of 100 bytes").matcher(e.getMessage());
                assertTrue(received.find(), e.getMessage());
                int bytes = Integer.parseInt(received.group(1));
                assertTrue(bytes > 0 && bytes < 99, () -> "received " + bytes + " bytes before the timeout");
            }
        }
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
