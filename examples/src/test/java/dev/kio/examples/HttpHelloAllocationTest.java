package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A property, not a speed: once warm, the server's worker allocates nothing per request, whether
 * requests come one per receive (keep-alive) or many per receive (pipelined).
 */
@Timeout(120)
class HttpHelloAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** What wrk sends. */
    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    private static final int PIPELINE = 16;

    @Test
    void warmedServerAllocatesLessThanOneBytePerRequest() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start();
                HttpHello hello = HttpHello.start(pool, HttpHello.Settings.defaults());
                Socket s = HttpHelloSelfTest.connect(hello.address())) {
            long worker = workerThreadId(pool.worker(0));
            Exchange exchange = new Exchange(s);
            exchange.rounds(1_000);
            long before = THREADS.getThreadAllocatedBytes(worker);
            int rounds = 2_000;
            exchange.rounds(rounds);
            long allocated = THREADS.getThreadAllocatedBytes(worker) - before;
            long requests = (long) rounds * (PIPELINE + 1);
            assertTrue(allocated < requests, "the worker allocated " + allocated + " bytes over " + requests
                    + " requests");
        }
    }

    private static long workerThreadId(Worker worker) throws Exception {
        CompletableFuture<Long> id = new CompletableFuture<>();
        worker.execute(() -> id.complete(Thread.currentThread().threadId()));
        return id.get();
    }

    /** One pipelined batch and one lone request per round, every response checked. */
    private static final class Exchange {
        private final OutputStream out;
        private final InputStream in;
        private final byte[] batch = REQUEST.repeat(PIPELINE).getBytes(StandardCharsets.ISO_8859_1);
        private final byte[] single = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        private final byte[] expected = HttpHello.HELLO.repeat(PIPELINE).getBytes(StandardCharsets.ISO_8859_1);
        private final byte[] received = new byte[expected.length];
        private final int helloLength = HttpHello.HELLO.length();

        Exchange(Socket s) throws Exception {
            out = s.getOutputStream();
            in = s.getInputStream();
        }

        void rounds(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                out.write(batch);
                assertArrayEquals(expected, readFully(expected.length));
                out.write(single);
                assertTrue(Arrays.equals(expected, 0, helloLength, readFully(helloLength), 0, helloLength));
            }
        }

        private byte[] readFully(int length) throws Exception {
            int got = in.readNBytes(received, 0, length);
            if (got != length) {
                throw new AssertionError("the server closed after " + got + " of " + length + " bytes");
            }
            return received;
        }
    }
}
