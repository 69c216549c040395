package dev.kio.benchmarks.peers;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.US_ASCII;

import java.lang.foreign.MemorySegment;

/**
 * The HTTP side of the suite's contract, shared by the JVM peers: every request, read up to its
 * {@code \r\n\r\n} (GET, no body), gets {@link #RESPONSE}, in order, pipelined requests included.
 *
 * <p>A peer finds request ends by feeding each received byte to {@link #next}, carrying the
 * returned state from one read to the next, so a request split across reads needs no copy and
 * nothing is allocated per request.
 */
public final class HttpHello {
    /** The one response, for every request. */
    public static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\n"
            + "Hello, World!").getBytes(US_ASCII);

    /** The most responses a peer writes with one send; more pipelined requests take several. */
    public static final int BATCH = 64;

    /** The state {@link #next} returns at the end of a request. */
    public static final int REQUEST_END = 4;

    private HttpHello() {
    }

    /**
     * How much of {@code \r\n\r\n} the bytes so far end with, after byte {@code b}: 0 to 3, or
     * {@link #REQUEST_END} when {@code b} completes it (start again from 0 after that).
     */
    public static int next(int matched, byte b) {
        if (b == '\r') {
            return matched == 2 ? 3 : 1;
        }
        if (b == '\n') {
            return matched == 1 ? 2 : matched == 3 ? REQUEST_END : 0;
        }
        return 0;
    }

    /** {@code count} copies of {@link #RESPONSE}, back to back: what a peer sends for {@code count} requests. */
    public static byte[] responses(int count) {
        byte[] all = new byte[count * RESPONSE.length];
        for (int i = 0; i < count; i++) {
            System.arraycopy(RESPONSE, 0, all, i * RESPONSE.length, RESPONSE.length);
        }
        return all;
    }

    /**
     * Feeds the first {@code n} bytes of {@code bytes} to {@link #next}, starting from state
     * {@code matched}: the result packs the requests they complete ({@link #requests}) and the
     * state to carry to the next read ({@link #matched}).
     */
    public static long scan(MemorySegment bytes, int n, int matched) {
        long requests = 0;
        for (int i = 0; i < n; i++) {
            matched = next(matched, bytes.get(JAVA_BYTE, i));
            if (matched == REQUEST_END) {
                requests++;
                matched = 0;
            }
        }
        return requests << 3 | matched;
    }

    /** The requests a {@link #scan} completed. */
    public static long requests(long scanned) {
        return scanned >>> 3;
    }

    /** The state a {@link #scan} ended in. */
    public static int matched(long scanned) {
        return (int) (scanned & 7);
    }
}
