package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.fs.OpenFlags;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Conn.sendFile over IORING_OP_SPLICE (5.7): files of 0 B, 1 B and 10 MiB, and a range from the
 * middle of one, reach a JDK client through a real TCP connection byte for byte; a peer that
 * resets mid-transfer and a file that ends early give typed errors, and the task's pipe is
 * closed whatever happens.
 */
@ExtendWith({JdkSockets.class, FdLeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SendFileTest {
    private NetPool net;
    private Path dir;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(IoUring.support().supports(Opcode.SPLICE), "IORING_OP_SPLICE needs Linux 5.7");
        net = NetPool.start(1);
        // Not @TempDir: its SecureRandom keeps /dev/random open, which FdLeakCheck would report.
        dir = Files.createDirectory(Path.of(System.getProperty("java.io.tmpdir"),
                "kio-sendfile-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    }

    @AfterEach
    void stop() throws IOException {
        if (net != null) {
            net.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void emptyFileSendsNothingAndTheConnectionStillCloses() throws Exception {
        assertArrayEquals(new byte[0], sendWholeFile(0));
    }

    @Test
    void oneByteFileArrives() throws Exception {
        assertArrayEquals(bytes(1), sendWholeFile(1));
    }

    /** 10 MiB is 160 chunks of 64 KiB, each spliced file to pipe and pipe to socket. */
    @Test
    void tenMebibyteFileArrivesByteForByte() throws Exception {
        assertArrayEquals(bytes(10 << 20), sendWholeFile(10 << 20));
    }

    @Test
    void rangeFromTheMiddleOfTheFileArrives() throws Exception {
        byte[] content = bytes(300_000);
        KioFile file = open(content);
        try {
            assertArrayEquals(Arrays.copyOfRange(content, 100_001, 100_001 + 150_000), receive(file, 100_001, 150_000));
            assertEquals(Collections.singletonList(null), net.nextOutcome());
        } finally {
            close(file);
        }
    }

    /**
     * The client reads 4 KiB of a 16 MiB file and resets the connection (SO_LINGER 0); the server's
     * small send buffer keeps most of the file unsent by then. The splice into the socket fails with
     * EPIPE or ECONNRESET naming the connection, and no pipe is left open.
     */
    @Test
    void peerResetMidTransferIsATypedErrorAndLeavesNoPipeOpen() throws Exception {
        long pipesBefore = pipes();
        KioFile file = open(bytes(16 << 20));
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults().withSendBuffer(64 << 10),
                c -> c.sendFile(file, 0, 16 << 20))) {
            int clientPort;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                clientPort = s.getLocalPort();
                s.setReceiveBufferSize(64 << 10);
                assertEquals(4096, s.getInputStream().readNBytes(4096).length);
                s.setSoLinger(true, 0);
            }
            OpException e = assertInstanceOf(OpException.class, net.nextOutcome());
            assertTrue(e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET, e::getMessage);
            assertEquals("splice", e.operation());
            assertEquals("tcp 127.0.0.1:" + server.port() + " -> 127.0.0.1:" + clientPort, e.target());
            assertEquals(pipesBefore, pipes());
        } finally {
            close(file);
        }
    }

    /**
     * A client that reads nothing: once the socket buffers are full the splice into the socket
     * blocks, and the overall timeout ends the transfer with ETIMEDOUT naming the bytes sent.
     */
    @Test
    void peerThatStopsReadingTimesTheTransferOutAndLeavesNoPipeOpen() throws Exception {
        long pipesBefore = pipes();
        KioFile file = open(bytes(16 << 20));
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults().withSendBuffer(64 << 10),
                c -> c.sendFile(file, 0, 16 << 20, Duration.ofMillis(300)));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setReceiveBufferSize(64 << 10);
            OpTimedOutException e = assertInstanceOf(OpTimedOutException.class, net.nextOutcome());
            assertEquals("sendFile", e.operation());
            assertEquals(Duration.ofMillis(300), e.timeout());
            assertTrue(e.getMessage().matches(".*tcp 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:\\d+ after \\d+ of 16777216 bytes.*"),
                    e::getMessage);
            assertEquals(pipesBefore, pipes());
        } finally {
            close(file);
        }
    }

    /**
     * A transfer that ends in time disarms its watchdog: well after the timeout the session can
     * still send on the connection, whose sending half was never shut down.
     */
    @Test
    void transferThatEndsInTimeLeavesTheConnectionWritableAfterTheTimeout() throws Exception {
        KioFile file = open(bytes(1 << 20));
        MemorySegment tail = Arena.global().allocateFrom("tail", StandardCharsets.US_ASCII);
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.sendFile(file, 0, 1 << 20, Duration.ofMillis(100)),
                c -> c.worker().ops().sleep(Duration.ofMillis(300).toNanos()),
                c -> c.sendAll(tail, 0, 4));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            byte[] received = s.getInputStream().readAllBytes();
            assertArrayEquals(bytes(1 << 20), Arrays.copyOf(received, 1 << 20));
            assertEquals("tail", new String(received, 1 << 20, received.length - (1 << 20), StandardCharsets.US_ASCII));
            assertEquals(Arrays.asList(null, 0, null), net.nextOutcome());
        } finally {
            close(file);
        }
    }

    @Test
    void fileEndingBeforeTheLengthIsEofNamingTheFile() throws Exception {
        KioFile file = open(bytes(1000));
        try {
            assertArrayEquals(bytes(1000), receive(file, 0, 5000));
            EOFException e = assertInstanceOf(EOFException.class, net.nextOutcome());
            assertTrue(e.getMessage().contains(file.path() + " (fd " + file.fd() + ") ended after 1000 of 5000 bytes"),
                    e::getMessage);
        } finally {
            close(file);
        }
    }

    /** A descriptor that is not open fails the file-side splice with EBADF naming it; the session still closes. */
    @Test
    void sendFileFromADescriptorThatIsNotOpenIsEbadfNamingIt() throws Exception {
        int notOpen = 1 << 20;
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.sendFile(notOpen, 0, 10));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            assertEquals(-1, s.getInputStream().read());
            OpException e = assertInstanceOf(OpException.class, net.nextOutcome());
            assertEquals("splice(fd " + notOpen + ") failed: EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    /** Sends a whole file of {@code size} bytes to a JDK client; returns what the client read. */
    private byte[] sendWholeFile(int size) throws Exception {
        KioFile file = open(bytes(size));
        try {
            byte[] received = receive(file, 0, size);
            assertEquals(Collections.singletonList(null), net.nextOutcome());
            return received;
        } finally {
            close(file);
        }
    }

    /** A server whose one session sends {@code length} bytes of {@code file} from {@code position}, then closes. */
    private byte[] receive(KioFile file, long position, long length) throws Exception {
        try (TcpServer server = net.scriptServer(NetPool.LOOPBACK, SocketOptions.defaults(),
                c -> c.sendFile(file, position, length));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            return s.getInputStream().readAllBytes();
        }
    }

    private KioFile open(byte[] content) throws Exception {
        Path path = Files.write(dir.resolve("f" + content.length), content);
        FileManager files = FileManager.of(net.pool);
        return net.await(net.pool.worker(0), () -> files.open(path, OpenFlags.RDONLY, 0));
    }

    private void close(KioFile file) throws Exception {
        net.await(net.pool.worker(0), file::close);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static long pipes() throws IOException {
        return FdLeakCheck.openFds().values().stream().filter(t -> t.startsWith("pipe:")).count();
    }
}
