package dev.kio.examples;

import static dev.kio.Flows.await;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.time.Duration;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.buf.BufferPool;
import dev.kio.runtime.net.Conn;
import dev.kio.runtime.net.TcpClient;
import dev.kio.runtime.worker.Worker;

/**
 * An echo client written as a flow: connects, sends each message and reads its echo back before
 * the next, and checks every byte. Each message carries its own pattern, derived from the client
 * and message numbers, so an echo of the wrong message, or of bytes out of order, is caught.
 */
@IoHandler
public abstract class EchoClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** An echo that differs from what was sent. */
    public static final class EchoMismatchException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EchoMismatchException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code messages} messages to the echo server at {@code address} over one connection,
     * verifies each echo, and closes the connection. Message {@code m} is
     * {@link #messageSize messageSize(client, m, minSize, maxSize)} bytes long. Zero messages
     * connects and closes without sending anything.
     *
     * @param client this client's number, which seeds its messages' patterns and sizes
     * @return the bytes verified: the sum of the messages' sizes
     * @throws EchoMismatchException naming the client, message and first differing byte
     * @throws IllegalArgumentException when the sizes are not {@code 1 <= minSize <= maxSize} or
     *                                  {@code maxSize} does not fit in one of the worker's buffers
     */
    @Flow
    public long exchange(SocketAddress address, int client, int messages, int minSize, int maxSize)
            throws OpException {
        BufferPool buffers = Worker.current().buffers();
        int capacity = buffers.config().bufferSize();
        if (minSize < 1 || minSize > maxSize || maxSize > capacity) {
            throw new IllegalArgumentException("message sizes must satisfy 1 <= min <= max <= " + capacity
                    + " bytes, got " + minSize + ".." + maxSize);
        }
        Conn conn = await(TcpClient.connect(address, CONNECT_TIMEOUT));
        Buffer sent = buffers.acquire();
        Buffer echoed = buffers.acquire();
        long verified = 0;
        try {
            for (int m = 0; m < messages; m++) {
                int size = messageSize(client, m, minSize, maxSize);
                fill(sent.segment(), size, client * messages + m);
                await(conn.sendAll(sent.segment(), 0, size));
                await(conn.recvExactly(echoed.segment(), 0, size));
                verify(sent.segment(), echoed.segment(), size, client, m);
                verified += size;
            }
            return verified;
        } finally {
            sent.release();
            echoed.release();
            await(conn.close());
        }
    }

    /** The size of message {@code message} of {@code client}: spread evenly over {@code minSize..maxSize}. */
    public static int messageSize(int client, int message, int minSize, int maxSize) {
        int x = client * 0x9E3779B9 ^ message * 0x85EBCA6B;
        x ^= x >>> 16;
        x *= 0x7FEB352D;
        x ^= x >>> 15;
        return minSize + Integer.remainderUnsigned(x, maxSize - minSize + 1);
    }

    /** Fills {@code size} bytes with a pseudo-random sequence seeded by {@code seed}. */
    static void fill(MemorySegment segment, int size, int seed) {
        int x = seed * 0x9E3779B9 + 1;
        for (int i = 0; i < size; i++) {
            x = x * 1_103_515_245 + 12_345;
            segment.set(JAVA_BYTE, i, (byte) (x >>> 24));
        }
    }

    static void verify(MemorySegment sent, MemorySegment echoed, int size, int client, int message) {
        long at = MemorySegment.mismatch(sent, 0, size, echoed, 0, size);
        if (at >= 0) {
            throw new EchoMismatchException(String.format("client %d, message %d of %d bytes: byte %d came back as"
                    + " 0x%02x instead of 0x%02x", client, message, size, at, echoed.get(JAVA_BYTE, at),
                    sent.get(JAVA_BYTE, at)));
        }
    }
}
