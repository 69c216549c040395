package dev.kio.benchmarks.peers;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each JVM peer, started in-process with one I/O thread, echoes a message and answers 16
 * pipelined requests sent in one write (the C and Tokio peers: {@code peer_selfcheck} in
 * benchmarks/peers.sh).
 */
class PeersSmokeTest {
    enum Peer {
        KIO, NETTY_URING, NETTY_EPOLL, VTHREADS;

        PeerMain.Server start(PeerMain.Mode mode) throws Exception {
            PeerMain.Args args = new PeerMain.Args(mode, 0, 1);
            return switch (this) {
                case KIO -> KioPeer.start(args);
                case NETTY_URING -> NettyPeer.start(NettyPeer.Transport.URING, args);
                case NETTY_EPOLL -> NettyPeer.start(NettyPeer.Transport.EPOLL, args);
                case VTHREADS -> VirtualThreadPeer.start(args);
            };
        }
    }

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(US_ASCII);

    @ParameterizedTest
    @EnumSource(Peer.class)
    void echoesTheBytesItReceives(Peer peer) throws Exception {
        byte[] message = new byte[4096];
        new Random(peer.ordinal()).nextBytes(message);
        try (PeerMain.Server server = peer.start(PeerMain.Mode.ECHO); Socket socket = connect(server)) {
            socket.getOutputStream().write(message);
            assertArrayEquals(message, readExactly(socket.getInputStream(), message.length));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void answersPipelinedRequestsInOrder(Peer peer) throws Exception {
        byte[] requests = new byte[16 * REQUEST.length];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(REQUEST, 0, requests, i * REQUEST.length, REQUEST.length);
        }
        try (PeerMain.Server server = peer.start(PeerMain.Mode.HTTP); Socket socket = connect(server)) {
            socket.getOutputStream().write(requests);
            assertEquals(new String(HttpHello.responses(16), US_ASCII),
                    new String(readExactly(socket.getInputStream(), 16 * HttpHello.RESPONSE.length), US_ASCII));
        }
    }

    private static Socket connect(PeerMain.Server server) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        assertEquals(length, bytes.length, "the peer closed the connection early");
        return bytes;
    }
}
