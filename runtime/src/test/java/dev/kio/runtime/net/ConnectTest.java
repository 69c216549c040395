package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Client connects that fail: refused, timed out, no such Unix socket; each closes its socket and names the address. */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectTest {
    private NetPool net;

    @BeforeEach
    void start() throws Exception {
        net = NetPool.start(1);
    }

    @AfterEach
    void stop() {
        net.close();
    }

    @Test
    void connectionRefusedIsEconnrefusedNamingTheAddress() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        OpException e = assertThrows(OpException.class,
                () -> net.await(net.pool.worker(0), () -> TcpClient.connect(address, Duration.ofSeconds(5))));
        assertEquals(Errno.ECONNREFUSED, e.errno());
        assertEquals("connect(tcp -> 127.0.0.1:" + port + ") failed: ECONNREFUSED (Connection refused)", e.getMessage());
    }

    /**
     * A listener with a full accept queue drops further SYNs, so a connect to it hangs until the
     * link timeout ends it: OpTimedOutException after about the timeout, not the kernel's minutes.
     */
    @Test
    void connectToAListenerWithAFullBacklogTimesOut() throws Exception {
        List<Socket> fillers = new ArrayList<>();
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
            try {
                // Fill the queue until a JDK connect itself hangs.
                while (fillers.size() < 16) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(address, 200);
                    } catch (SocketTimeoutException filled) {
                        break;
                    }
                }
                long t0 = System.nanoTime();
                OpTimedOutException e = assertThrows(OpTimedOutException.class, () -> net.await(net.pool.worker(0),
                        () -> TcpClient.connect(address, Duration.ofMillis(300))));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(tookMs >= 250 && tookMs < 5000, "took " + tookMs + " ms");
                assertEquals("connect", e.operation());
                assertEquals("tcp -> " + SockAddr.format(address), e.target());
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectToAMissingUnixSocketIsEnoentNamingThePath() throws Exception {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "kio-missing-" + ProcessHandle.current().pid() + ".sock");
        OpException e = assertThrows(OpException.class, () -> net.await(net.pool.worker(0),
                () -> TcpClient.connect(UnixDomainSocketAddress.of(path), Duration.ofSeconds(1))));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("unix -> " + path, e.target());
    }
}
