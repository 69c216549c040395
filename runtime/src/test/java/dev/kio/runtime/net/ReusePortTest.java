package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.worker.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One SO_REUSEPORT listener per worker: the kernel spreads connections over them by a hash of
 * their addresses, so with 64 connections both workers of a two-worker pool accept some (all on
 * one would have probability 2^-63), and each session runs on the worker that accepted it.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReusePortTest {
    private static final int CONNECTIONS = 64;

    @Test
    void connectionsLandOnEveryWorkersListenerAndRunThere() throws Exception {
        AtomicInteger elsewhere = new AtomicInteger();
        try (NetPool net = NetPool.start(2);
                TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(), conn -> {
                    if (Worker.current() != conn.worker()) {
                        elsewhere.incrementAndGet();
                    }
                    return new NetPool.Echo(conn, 0, net.outcomes);
                })) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    clients.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
                }
                for (Socket s : clients) {
                    s.getOutputStream().write(7);
                    s.shutdownOutput();
                    assertEquals(7, s.getInputStream().read());
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            for (int i = 0; i < CONNECTIONS; i++) {
                assertEquals(1L, net.nextOutcome());
            }
            long[] accepted = server.acceptedPerListener();
            assertEquals(2, accepted.length);
            assertEquals(CONNECTIONS, accepted[0] + accepted[1]);
            assertTrue(accepted[0] > 0 && accepted[1] > 0, () -> "accepted " + accepted[0] + " and " + accepted[1]);
            assertEquals(0, elsewhere.get(), "handlers called off the accepting worker");
        }
    }
}
