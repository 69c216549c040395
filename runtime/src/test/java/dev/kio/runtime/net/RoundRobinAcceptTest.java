package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.worker.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link TcpServer.Acceptors#ROUND_ROBIN}: one listener, on worker 0, hands the connections to
 * the workers in turn, and each session runs on the worker it was handed to. Connections are
 * made one after another, each answered before the next, so the order of accepts is known.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RoundRobinAcceptTest {
    private static final int CONNECTIONS = 7;

    @Test
    void tcpConnectionsGoToTheWorkersInTurnFromOneListener() throws Exception {
        assertHandedOutInTurn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Test
    void unixConnectionsGoToTheWorkersInTurnFromOneListener() throws Exception {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "kio-rr-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path);
        assertHandedOutInTurn(UnixDomainSocketAddress.of(path));
        assertFalse(Files.exists(path), "the socket file is removed on close");
    }

    private static void assertHandedOutInTurn(SocketAddress address) throws Exception {
        List<Integer> sessionWorkers = new CopyOnWriteArrayList<>();
        try (NetPool net = NetPool.start(2);
                TcpServer server = TcpServer.start(net.pool, address, SocketOptions.defaults(),
                        TcpServer.Acceptors.ROUND_ROBIN, conn -> {
                            // -1 marks a session set up off its connection's worker.
                            sessionWorkers.add(Worker.current() == conn.worker() ? conn.worker().index() : -1);
                            return new NetPool.Echo(conn, 0, net.outcomes);
                        })) {
            for (int i = 0; i < CONNECTIONS; i++) {
                echoOneByte(server.address());
                assertEquals(1L, net.nextOutcome());
            }
            assertEquals(List.of(0, 1, 0, 1, 0, 1, 0), sessionWorkers);
            assertArrayEquals(new long[] {CONNECTIONS}, server.acceptedPerListener());
        }
    }

    private static void echoOneByte(SocketAddress address) throws IOException {
        try (SocketChannel ch = SocketChannel.open(address)) {
            ch.write(ByteBuffer.wrap(new byte[] {7}));
            ch.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(2);
            while (ch.read(in) >= 0) {
                // until the session closes its side
            }
            assertEquals(1, in.position());
            assertEquals(7, in.get(0));
        }
    }
}
