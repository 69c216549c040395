package dev.kio.runtime.net;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered before {@link dev.kio.runtime.ring.FdLeakCheck}: makes the JDK open, once, the
 * descriptors its socket classes keep for the life of the process (the pre-close socket of its
 * NIO dispatcher; /dev/random and /dev/urandom for Unix channels' SecureRandom), so that the
 * tests' JDK peers are not mistaken for leaks.
 */
public final class JdkSockets implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket accepted = server.accept();
                SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.shutdownOutput();
            accepted.shutdownOutput();
            unix.getLocalAddress();
        }
    }
}
