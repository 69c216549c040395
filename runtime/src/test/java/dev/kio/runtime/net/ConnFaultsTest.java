package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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

/**
 * What peers do wrong or unusually, against a kio server with JDK clients: resetting mid-send,
 * closing one direction, sending nothing, closing early; and zero-length receives. Each ends in a
 * typed error or a clean close, the server keeps serving, and no descriptor is left open.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnFaultsTest {
    private static final int BLAST = 64 << 20;
    private NetPool net;
    private Arena arena;

    @BeforeEach
    void start() throws Exception {
        net = NetPool.start(1);
        arena = Arena.ofShared();
    }

    @AfterEach
    void stop() {
        net.close();
        arena.close();
    }

    /**
     * The first session sends 64 MiB to a client that reads a little and then resets (SO_LINGER
     * 0): sendAll fails with ECONNRESET or EPIPE naming the connection; a second client is then
     * served on the same worker.
     */
    @Test
    void peerResetMidSendIsATypedErrorAndTheServerKeepsServing() throws Exception {
        MemorySegment blast = arena.allocate(BLAST);
        java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger();
        try (TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(), conn ->
                sessions.getAndIncrement() == 0
                        ? new NetPool.Script(conn, List.of(c -> c.sendAll(blast, 0, BLAST)), net.outcomes)
                        : new NetPool.Echo(conn, 0, net.outcomes))) {
            int clientPort;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                clientPort = s.getLocalPort();
                s.getInputStream().readNBytes(4096);
                s.setSoLinger(true, 0);
            }
            OpException e = assertInstanceOf(OpException.class, net.nextOutcome());
            assertTrue(e.errno() == Errno.ECONNRESET || e.errno() == Errno.EPIPE, e::getMessage);
            assertTrue(e.operation().startsWith("send"), e::getMessage);
            assertEquals("tcp 127.0.0.1:" + server.port() + " -> 127.0.0.1:" + clientPort, e.target());

            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.getOutputStream().write("again".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals("again", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
            assertEquals(5L, net.nextOutcome());
        }
    }

    /** The client shuts down its sending half: the session reads end of stream, and can still send back. */
    @Test
    void clientHalfCloseIsEndOfStreamAndTheSessionCanStillSend() throws Exception {
        MemorySegment in = arena.allocate(64);
        MemorySegment reply = arena.allocate(3).copyFrom(MemorySegment.ofArray("bye".getBytes(StandardCharsets.US_ASCII)));
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.recvExactly(in, 0, 2), c -> c.recv(in, 2, 62), c -> c.sendAll(reply, 0, 3));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("bye", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            assertEquals(java.util.Arrays.asList(null, 0, null), net.nextOutcome());
        }
    }

    /** The session shuts down its sending half: the client reads end of stream, and its data still reaches the session. */
    @Test
    void serverHalfCloseIsEndOfStreamForTheClientWhichCanStillSend() throws Exception {
        MemorySegment in = arena.allocate(5);
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                Conn::shutdownOutput, c -> c.recvExactly(in, 0, 5));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            InputStream from = s.getInputStream();
            assertEquals(-1, from.read(), "end of stream after the server's shutdownOutput");
            s.getOutputStream().write("after".getBytes(StandardCharsets.US_ASCII));
            assertEquals(java.util.Arrays.asList(0, null), net.nextOutcome());
            assertArrayEquals("after".getBytes(StandardCharsets.US_ASCII), in.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    /** A receive of 0 bytes completes with 0 at once on an open connection: not end of stream, which follows later. */
    @Test
    void zeroLengthReceiveReturnsZeroWithoutConsumingData() throws Exception {
        MemorySegment in = arena.allocate(8);
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.recv(in, 0, 0), c -> c.recvExactly(in, 0, 3), c -> c.recv(in, 3, 0), c -> c.recv(in, 3, 5));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals(java.util.Arrays.asList(0, null, 0, 0), net.nextOutcome());
            assertEquals("abc", new String(in.asSlice(0, 3).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    StandardCharsets.US_ASCII));
        }
    }

    /** A client that connects and sends nothing: the session's receive times out and it closes the connection. */
    @Test
    void idleClientIsClosedByTheReceiveTimeout() throws Exception {
        try (TcpServer server = TcpServer.start(net.pool, NetPool.LOOPBACK, SocketOptions.defaults(),
                conn -> new NetPool.Echo(conn, TimeUnit.MILLISECONDS.toNanos(200), net.outcomes));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            long t0 = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "the server closed the idle connection");
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(150));
            OpTimedOutException e = assertInstanceOf(OpTimedOutException.class, net.nextOutcome());
            assertEquals("recv", e.operation());
            assertTrue(e.target().startsWith("tcp 127.0.0.1:" + server.port() + " -> 127.0.0.1:"), e::getMessage);
        }
    }

    /** recvExactly on a peer that closes early fails with EOFException saying how far it got. */
    @Test
    void recvExactlyFailsWithEofWhenThePeerClosesEarly() throws Exception {
        MemorySegment in = arena.allocate(4096);
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.recvExactly(in, 0, 4096))) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.getOutputStream().write(new byte[1000]);
            }
            EOFException e = assertInstanceOf(EOFException.class, net.nextOutcome());
            assertTrue(e.getMessage().contains("after 1000 of 4096 bytes"), e::getMessage);
        }
    }
}
