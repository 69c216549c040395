package dev.kio.runtime.net;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.kio.runtime.sys.Errno;

/**
 * The child JVM of {@link AcceptEmfileTest}, started under a low {@code ulimit -n}: serves echo
 * once, then takes every free descriptor but one, which a client's connect uses, so the server's
 * accept fails with EMFILE. It prints {@code KEY value} lines: {@code ARMS} (accepts armed during
 * 300 ms out of descriptors), {@code ACCEPTED} (connections accepted meanwhile), {@code SERVED}
 * (what the client got back once descriptors were freed), {@code FDS} (open descriptors with the
 * server running, before the episode and once its session has ended).
 */
public final class AcceptEmfileChild {
    private AcceptEmfileChild() {
    }

    public static void main(String[] args) throws Exception {
        long fdsBefore;
        // What the EMFILE path loads lazily needs a descriptor there is none of then: classes read
        // from a directory (a jar would be open already) and, for the first log record, the
        // time-zone database. Both are loaded here first.
        System.getLogger("dev.kio.runtime.net").log(System.Logger.Level.INFO, "child up: " + Errno.describe(Errno.EMFILE));
        try (NetPool net = NetPool.start(1)) {
            TcpServer server = net.echoServer(NetPool.LOOPBACK, SocketOptions.defaults());
            echo(server, 'w');
            net.nextOutcome();
            fdsBefore = openFds();
            List<FileInputStream> fillers = new ArrayList<>();
            try {
                while (true) {
                    fillers.add(new FileInputStream("/dev/null"));
                }
            } catch (IOException outOfFds) {
                fillers.removeLast().close();
            }
            long armedBefore = server.acceptArms();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                // The first re-arm after the accept's EMFILE starts the back-off being measured.
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (server.acceptArms() == armedBefore && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                long arms = server.acceptArms();
                // A window, not a wait: re-arms are counted over a fixed time to tell back-off from a busy loop.
                Thread.sleep(300);
                System.out.println("ARMS " + (server.acceptArms() - arms));
                System.out.println("ACCEPTED " + server.acceptedPerListener()[0]);
                for (FileInputStream f : fillers) {
                    f.close();
                }
                System.out.println("SERVED " + roundTrip(client, 's'));
            }
            net.nextOutcome();
            System.out.println("FDS " + fdsBefore + " " + openFds());
            server.close();
        }
    }

    /** Open descriptors, less the listing's own. */
    private static long openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        }
    }

    private static void echo(TcpServer server, char c) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            roundTrip(s, c);
        }
    }

    private static char roundTrip(Socket s, char c) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(c);
        s.shutdownOutput();
        return (char) in.read();
    }
}
