package dev.kio.examples;

import java.lang.foreign.MemorySegment;

/**
 * The bytes one connection received and not yet consumed, read as a sequence of request heads
 * by {@link HttpRequestParser}: plain code run between a session's awaits, shared by the HTTP
 * examples. The unconsumed bytes start at the beginning of the receive buffer once
 * {@link #compact} ran; between compactions, heads are consumed in place. A body announced by
 * {@code Content-Length} is skipped, also when it arrives over several receives.
 */
final class RequestCursor {
    /** {@link #next} result: the parser's fields describe the next request. */
    static final int REQUEST = 1;
    /** {@link #next} result: no complete head is buffered; {@link #compact}, then receive more. */
    static final int NEED_MORE = 0;
    /** {@link #next} result: the head is malformed, or longer than the most accepted. */
    static final int BAD = -1;

    private final HttpRequestParser parser;
    private final MemorySegment in;
    private final int maxHead;
    /** Bytes received, from the start of {@code in}. */
    private int buffered;
    /** Where the next unconsumed byte is. */
    private int at;
    /** Body bytes of the last request still to come and be skipped. */
    private long bodyLeft;

    /**
     * @param maxHead the longest head accepted; at most {@code in}'s size, or a head that fills the
     *                buffer could never complete
     */
    RequestCursor(HttpRequestParser parser, MemorySegment in, int maxHead) {
        if (maxHead < 1 || maxHead > in.byteSize()) {
            throw new IllegalArgumentException("max head " + maxHead + " must be from 1 to the buffer's "
                    + in.byteSize() + " bytes");
        }
        this.parser = parser;
        this.in = in;
        this.maxHead = maxHead;
    }

    /**
     * Consumes the next request head (and skips the body before it), leaving its fields in the
     * parser, whose offsets stay valid until the next {@link #compact}.
     *
     * @return {@link #REQUEST}, {@link #NEED_MORE} or {@link #BAD}
     */
    int next() {
        if (bodyLeft > 0) {
            int skipped = (int) Math.min(bodyLeft, buffered - at);
            at += skipped;
            bodyLeft -= skipped;
            if (bodyLeft > 0) {
                return NEED_MORE;
            }
        }
        int head = parser.parse(in, at, Math.min(buffered - at, maxHead));
        if (head == HttpRequestParser.INCOMPLETE) {
            return buffered - at >= maxHead ? BAD : NEED_MORE;
        }
        if (head == HttpRequestParser.MALFORMED) {
            return BAD;
        }
        at += head;
        bodyLeft = parser.contentLength();
        return REQUEST;
    }

    /** Moves the unconsumed bytes to the start of the buffer; the parser's offsets are stale afterwards. */
    void compact() {
        buffered -= at;
        MemorySegment.copy(in, at, in, 0, buffered);
        at = 0;
    }

    /** Bytes received and not consumed: where the next receive writes, after {@link #compact}. */
    int buffered() {
        return buffered;
    }

    /** Counts {@code n} bytes a receive put at {@link #buffered()}. */
    void received(int n) {
        buffered += n;
    }
}
