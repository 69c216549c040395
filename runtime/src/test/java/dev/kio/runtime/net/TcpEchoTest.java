package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.worker.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Echo round trips through a kio server over TCP on IPv4 and IPv6 loopback and over a Unix
 * domain stream socket, with JDK blocking sockets as the peers, and between a kio client and a
 * kio server; the peers' addresses as the connection reports them.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpEchoTest {
    private static final int BYTES = 200_000;
    private NetPool net;

    @BeforeEach
    void start() throws Exception {
        net = NetPool.start(2);
    }

    @AfterEach
    void stop() {
        net.close();
    }

    @Test
    void echoesOverTcpOnIpv4() throws Exception {
        try (TcpServer server = net.echoServer(NetPool.LOOPBACK, SocketOptions.defaults())) {
            assertTrue(server.port() > 0);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                roundTrip(s.getOutputStream(), s.getInputStream(), s::shutdownOutput);
            }
            assertEquals((long) BYTES, net.nextOutcome());
        }
    }

    @Test
    void echoesOverTcpOnIpv6() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        assumeTrue(ipv6Loopback(v6), "::1 is not available on this host");
        try (TcpServer server = net.echoServer(new InetSocketAddress(v6, 0), SocketOptions.defaults())) {
            assertTrue(((InetSocketAddress) server.address()).getAddress() instanceof Inet6Address, server::toString);
            try (Socket s = new Socket(v6, server.port())) {
                roundTrip(s.getOutputStream(), s.getInputStream(), s::shutdownOutput);
            }
            assertEquals((long) BYTES, net.nextOutcome());
        }
    }

    @Test
    void echoesOverAUnixDomainStreamSocketAndRemovesItsFile() throws Exception {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "kio-echo-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path);
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        try (TcpServer server = net.echoServer(address, SocketOptions.defaults())) {
            assertEquals(-1, server.port());
            try (SocketChannel ch = SocketChannel.open(address)) {
                roundTrip(new ChannelOut(ch), new ChannelIn(ch), ch::shutdownOutput);
            }
            assertEquals((long) BYTES, net.nextOutcome());
        }
        assertTrue(!Files.exists(path), "the socket file is removed on close");
    }

    /** A kio client connects to a kio server, sends, shuts down its sending half, and reads the echo back. */
    @Test
    void kioClientEchoesThroughKioServerAndKnowsBothAddresses() throws Exception {
        try (TcpServer server = net.echoServer(NetPool.LOOPBACK, SocketOptions.defaults());
                Arena arena = Arena.ofShared()) {
            MemorySegment out = arena.allocate(16 * 1024);
            MemorySegment back = arena.allocate(out.byteSize());
            out.copyFrom(MemorySegment.ofArray(random(out.byteSize())));
            String[] names = net.pool.worker(1).syncWait(new Client(server.address(), out, back));
            assertEquals(-1, back.mismatch(out));
            assertEquals(out.byteSize(), net.nextOutcome());
            assertTrue(names[0].matches("tcp 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:" + server.port()), names[0]);
            assertEquals("127.0.0.1:" + server.port(), names[1]);
        }
    }

    /** Options are set on every accepted connection: keep-alive on, and a receive buffer at least the size asked for. */
    @Test
    void socketOptionsAreSetOnAcceptedConnections() throws Exception {
        SocketOptions options = SocketOptions.defaults().withKeepAlive(true).withReceiveBuffer(32 * 1024)
                .withSendBuffer(32 * 1024);
        try (TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, options, conn -> {
            net.outcomes.add(new int[] {Sockets.socketOption(conn.fd(), Sockets.SO_KEEPALIVE),
                Sockets.socketOption(conn.fd(), Sockets.SO_RCVBUF), Sockets.socketOption(conn.fd(), Sockets.SO_SNDBUF)});
            return new NetPool.Echo(conn, 0, net.outcomes);
        }); Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            int[] set = (int[]) net.nextOutcome();
            assertEquals(1, set[0], "SO_KEEPALIVE");
            // The kernel doubles the size asked for, to leave room for its bookkeeping.
            assertTrue(set[1] >= 32 * 1024 && set[2] >= 32 * 1024, () -> "SO_RCVBUF " + set[1] + ", SO_SNDBUF " + set[2]);
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
            assertEquals(0L, net.nextOutcome());
        }
    }

    /** Connect, sendAll, shutdownOutput, recvExactly, then a receive that sees end of stream, close. */
    static final class Client extends Frame<String[]> {
        private final SocketAddress address;
        private final MemorySegment out;
        private final MemorySegment back;
        private dev.kio.Task<Conn> connecting;
        private dev.kio.Task<Void> transfer;
        private Conn conn;
        private String[] names;

        Client(SocketAddress address, MemorySegment out, MemorySegment back) {
            this.address = address;
            this.out = out;
            this.back = back;
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    connecting = TcpClient.connect(address, Duration.ofSeconds(5));
                    state = 1;
                    if (await(connecting)) {
                        return;
                    }
                    step();
                }
                case 1 -> {
                    conn = resultOf(connecting);
                    names = new String[] {conn.toString(), SockAddr.format(conn.peerAddress())};
                    transfer = conn.sendAll(out, 0, out.byteSize());
                    state = 2;
                    if (!await(transfer)) {
                        step();
                    }
                }
                case 2 -> {
                    resultOf(transfer);
                    state = 3;
                    await(conn.shutdownOutput());
                }
                case 3 -> {
                    result();
                    transfer = conn.recvExactly(back, 0, back.byteSize());
                    state = 4;
                    if (!await(transfer)) {
                        step();
                    }
                }
                case 4 -> {
                    resultOf(transfer);
                    state = 5;
                    await(conn.recv(back, 0, 1));
                }
                case 5 -> {
                    assertEquals(0, result(), "end of stream after the echo");
                    state = 6;
                    await(conn.close());
                }
                default -> {
                    result();
                    complete(names);
                }
            }
        }
    }

    private static boolean ipv6Loopback(InetAddress v6) {
        try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
            return probe.getLocalPort() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] random(long n) {
        byte[] b = new byte[(int) n];
        new Random(n).nextBytes(b);
        return b;
    }

    interface Shutdown {
        void run() throws IOException;
    }

    /** Writes BYTES from another thread while this one reads the echo, then compares. */
    private static void roundTrip(OutputStream out, InputStream in, Shutdown shutdownOutput) throws Exception {
        byte[] data = random(BYTES);
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                out.write(data);
                shutdownOutput.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] echoed = in.readAllBytes();
        writer.join();
        assertArrayEquals(data, echoed);
    }

    private static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
        }
    }

    private static final class ChannelIn extends InputStream {
        private final SocketChannel ch;

        ChannelIn(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ch.read(ByteBuffer.wrap(b, off, len));
        }
    }
}
