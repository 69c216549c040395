package dev.kio.benchmarks.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The virtual-thread peer: {@code VirtualThreadPeer echo|http PORT THREADS}. Blocking
 * {@link ServerSocket} and {@link Socket}, one virtual thread per connection, THREADS carrier
 * threads; each read is answered with one write.
 */
public final class VirtualThreadPeer {
    private static final int READ_BYTES = 16 * 1024;
    private static final byte[] RESPONSES = HttpHello.responses(HttpHello.BATCH);

    private VirtualThreadPeer() {
    }

    public static void main(String[] args) throws Exception {
        PeerMain.Args a = PeerMain.Args.parse("VirtualThreadPeer", args);
        // Read once, when the first virtual thread starts the scheduler.
        System.setProperty("jdk.virtualThreadScheduler.parallelism", Integer.toString(a.threads()));
        PeerMain.serve(start(a));
    }

    static PeerMain.Server start(PeerMain.Args a) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(a.address(), 1024);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        Thread.ofVirtual().name("accept").start(() -> accept(listener, a.mode()));
        return new PeerMain.Server() {
            @Override
            public int port() {
                return listener.getLocalPort();
            }

            @Override
            public void close() throws IOException {
                listener.close();
            }
        };
    }

    private static void accept(ServerSocket listener, PeerMain.Mode mode) {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> serve(socket, mode));
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    System.err.println("accept failed: " + e);
                }
            }
        }
    }

    private static void serve(Socket socket, PeerMain.Mode mode) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buf = new byte[READ_BYTES];
            MemorySegment bytes = MemorySegment.ofArray(buf);
            int matched = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                if (mode == PeerMain.Mode.ECHO) {
                    out.write(buf, 0, n);
                    continue;
                }
                long scanned = HttpHello.scan(bytes, n, matched);
                matched = HttpHello.matched(scanned);
                long requests = HttpHello.requests(scanned);
                while (requests > 0) {
                    int batch = (int) Math.min(requests, HttpHello.BATCH);
                    out.write(RESPONSES, 0, batch * HttpHello.RESPONSE.length);
                    requests -= batch;
                }
            }
        } catch (IOException e) {
            // A reset by the load generator ends the connection.
        }
    }
}
