package dev.kio.examples;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A minimal HTTP/1.x request-head parser working on the bytes of a native segment, allocating
 * nothing per request: {@link #parse} takes {@code (segment, offset, length)} and leaves what it
 * found in int fields (offsets into the segment, lengths, counts), valid until the next call.
 * One parser serves many connections one after the other (a worker's sessions share one), since
 * it keeps nothing between calls: a head that is still incomplete is parsed again from its start
 * once more bytes have arrived, which costs little because heads are bounded by the caller.
 *
 * <p>What it accepts (RFC 9112, strictly, to leave no room for request smuggling):
 * <ul>
 * <li>empty lines (CRLF) before the request line are skipped (RFC 9112 section 2.2);</li>
 * <li>the request line {@code method SP target SP HTTP/1.d CRLF}: the method a token (RFC 9110
 *     tchar), the target one or more visible ASCII characters, the version {@code HTTP/1.} and one
 *     digit; minor versions above 1 are served as 1.1;</li>
 * <li>header lines {@code name ":" OWS value OWS CRLF}: the name a token directly followed by the
 *     colon, the value visible characters, spaces, tabs and obs-text (bytes 0x80-0xFF) with
 *     surrounding whitespace trimmed; at most {@code maxHeaders} of them;</li>
 * <li>an empty line ending the head.</li>
 * </ul>
 * and what it rejects as malformed, with a reason from {@link #error()}: any other byte where a
 * token, the target or the version belongs; whitespace before a header's colon; a line starting
 * with whitespace (obs-fold, which RFC 9112 section 5.2 lets a server reject); control characters in
 * a value; a bare CR; and a bare LF. RFC 9112 allows a recipient to take a bare LF as a line end,
 * but a proxy in front that does not would see different requests in the same bytes, so it is
 * refused. Semantics checked: {@code Content-Length} must be digits (repeats must agree), any
 * {@code Transfer-Encoding} is refused (chunked bodies are not implemented, and a body whose length
 * cannot be known cannot be skipped), an HTTP/1.1 request needs exactly one {@code Host} and
 * HTTP/1.0 at most one. {@code Connection} options {@code close} and {@code keep-alive} (any case,
 * in a comma-separated list) decide {@link #keepAlive()}: HTTP/1.1 keeps the connection unless
 * asked to close, HTTP/1.0 closes it unless asked to keep it.
 */
public final class HttpRequestParser {
    /** {@link #parse} result: the bytes given end before the head does; call again with more. */
    public static final int INCOMPLETE = 0;
    /** {@link #parse} result: the head is malformed, see {@link #error()}. */
    public static final int MALFORMED = -1;

    public static final String BAD_REQUEST_LINE = "malformed request line";
    public static final String BAD_VERSION = "unsupported or malformed HTTP version";
    public static final String BARE_CR = "CR not followed by LF";
    public static final String BARE_LF = "LF not preceded by CR";
    public static final String BAD_HEADER_NAME = "malformed header name (a token directly followed by ':')";
    public static final String OBS_FOLD = "header line starting with whitespace (obs-fold)";
    public static final String BAD_HEADER_VALUE = "control character in a header value";
    public static final String TOO_MANY_HEADERS = "too many header fields";
    public static final String BAD_CONTENT_LENGTH = "Content-Length is not a number";
    public static final String CONFLICTING_CONTENT_LENGTH = "Content-Length values differ";
    public static final String TRANSFER_ENCODING = "Transfer-Encoding is not supported";
    public static final String MISSING_HOST = "HTTP/1.1 request without Host";
    public static final String MULTIPLE_HOST = "more than one Host";

    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING_NAME = ascii("transfer-encoding");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] HOST = ascii("host");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] HTTP_1 = ascii("HTTP/1.");
    /** RFC 9110 tchar, by byte value. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    /** Internal position results; positions themselves are never negative. */
    private static final int NEED_MORE = -1;
    private static final int BAD = -2;
    /** Content-Length values are refused from here on: a body can never be that long anyway. */
    private static final long MAX_CONTENT_LENGTH = Long.MAX_VALUE / 10 - 1;

    private final int[] nameOffsets;
    private final int[] nameLengths;
    private final int[] valueOffsets;
    private final int[] valueLengths;

    private MemorySegment s;
    private String error;
    private int headLength;
    private int methodOffset;
    private int methodLength;
    private int targetOffset;
    private int targetLength;
    private int minorVersion;
    private int headerCount;
    private long contentLength;
    private int hosts;
    private boolean closeAsked;
    private boolean keepAliveAsked;

    /** A parser accepting heads of at most {@code maxHeaders} header fields. */
    public HttpRequestParser(int maxHeaders) {
        if (maxHeaders < 0) {
            throw new IllegalArgumentException("max headers must not be negative, got " + maxHeaders);
        }
        nameOffsets = new int[maxHeaders];
        nameLengths = new int[maxHeaders];
        valueOffsets = new int[maxHeaders];
        valueLengths = new int[maxHeaders];
    }

    /**
     * Parses the request head starting at {@code offset}, reading at most {@code length} bytes.
     *
     * @return the head's length in bytes (request line, headers, the empty line, and any empty
     *         lines before the request line), after which its body, if any, starts;
     *         {@link #INCOMPLETE} if the bytes end inside a head that is well formed so far;
     *         {@link #MALFORMED}, with {@link #error()} saying why
     */
    public int parse(MemorySegment segment, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        s = segment;
        error = null;
        headLength = 0;
        headerCount = 0;
        contentLength = -1;
        hosts = 0;
        closeAsked = false;
        keepAliveAsked = false;
        int p = head(offset, offset + length);
        s = null;
        if (p == NEED_MORE) {
            return INCOMPLETE;
        }
        if (p == BAD) {
            return MALFORMED;
        }
        headLength = p - offset;
        return headLength;
    }

    private int head(int p, int end) {
        while (p < end && at(p) == '\r') {
            p = lineEnd(p, end);
            if (p < 0) {
                return p;
            }
        }
        p = requestLine(p, end);
        while (p >= 0) {
            if (p == end) {
                return NEED_MORE;
            }
            int b = at(p);
            if (b == '\r' || b == '\n') {
                p = lineEnd(p, end);
                return p < 0 ? p : endOfHead(p);
            }
            p = header(p, end);
        }
        return p;
    }

    private int requestLine(int p, int end) {
        methodOffset = p;
        p = token(p, end);
        if (p == end) {
            return NEED_MORE;
        }
        methodLength = p - methodOffset;
        if (methodLength == 0 || at(p) != ' ') {
            return fail(BAD_REQUEST_LINE);
        }
        targetOffset = ++p;
        while (p < end && at(p) > ' ' && at(p) < 0x7F) {
            p++;
        }
        if (p == end) {
            return NEED_MORE;
        }
        targetLength = p - targetOffset;
        if (targetLength == 0 || at(p) != ' ') {
            return fail(BAD_REQUEST_LINE);
        }
        p++;
        for (int i = 0; i < HTTP_1.length; i++, p++) {
            if (p == end) {
                return NEED_MORE;
            }
            if (at(p) != HTTP_1[i]) {
                return fail(BAD_VERSION);
            }
        }
        if (p == end) {
            return NEED_MORE;
        }
        minorVersion = at(p) - '0';
        if (minorVersion < 0 || minorVersion > 9) {
            return fail(BAD_VERSION);
        }
        p++;
        if (p < end && at(p) != '\r' && at(p) != '\n') {
            return fail(BAD_VERSION);
        }
        return lineEnd(p, end);
    }

    private int header(int p, int end) {
        int b = at(p);
        if (b == ' ' || b == '\t') {
            return fail(OBS_FOLD);
        }
        if (headerCount == nameOffsets.length) {
            return fail(TOO_MANY_HEADERS);
        }
        int nameOffset = p;
        p = token(p, end);
        if (p == end) {
            return NEED_MORE;
        }
        int nameLength = p - nameOffset;
        if (nameLength == 0 || at(p) != ':') {
            return fail(BAD_HEADER_NAME);
        }
        p++;
        while (p < end && (at(p) == ' ' || at(p) == '\t')) {
            p++;
        }
        int valueOffset = p;
        int valueEnd = p;
        for (; p < end; p++) {
            b = at(p);
            if (b == '\r' || b == '\n') {
                break;
            }
            if (b < ' ' && b != '\t' || b == 0x7F) {
                return fail(BAD_HEADER_VALUE);
            }
            if (b != ' ' && b != '\t') {
                valueEnd = p + 1;
            }
        }
        p = lineEnd(p, end);
        if (p < 0) {
            return p;
        }
        int i = headerCount++;
        nameOffsets[i] = nameOffset;
        nameLengths[i] = nameLength;
        valueOffsets[i] = valueOffset;
        valueLengths[i] = valueEnd - valueOffset;
        return interpret(i) ? p : BAD;
    }

    /** Acts on the headers that matter to framing and the connection; false (with the error set) when one is bad. */
    private boolean interpret(int i) {
        int name = nameOffsets[i];
        int nameLength = nameLengths[i];
        int value = valueOffsets[i];
        int valueLength = valueLengths[i];
        if (equalsLowerCase(name, nameLength, CONTENT_LENGTH)) {
            long n = digits(value, valueLength);
            if (n < 0) {
                fail(BAD_CONTENT_LENGTH);
                return false;
            }
            if (contentLength >= 0 && contentLength != n) {
                fail(CONFLICTING_CONTENT_LENGTH);
                return false;
            }
            contentLength = n;
        } else if (equalsLowerCase(name, nameLength, TRANSFER_ENCODING_NAME)) {
            fail(TRANSFER_ENCODING);
            return false;
        } else if (equalsLowerCase(name, nameLength, HOST)) {
            hosts++;
        } else if (equalsLowerCase(name, nameLength, CONNECTION)) {
            connectionOptions(value, value + valueLength);
        }
        return true;
    }

    /** Notes {@code close} and {@code keep-alive} among the comma-separated options of a Connection header. */
    private void connectionOptions(int p, int end) {
        while (p < end) {
            while (p < end && (at(p) == ' ' || at(p) == '\t' || at(p) == ',')) {
                p++;
            }
            int option = p;
            while (p < end && at(p) != ',' && at(p) != ' ' && at(p) != '\t') {
                p++;
            }
            closeAsked |= equalsLowerCase(option, p - option, CLOSE);
            keepAliveAsked |= equalsLowerCase(option, p - option, KEEP_ALIVE);
        }
    }

    private int endOfHead(int p) {
        if (hosts > 1) {
            return fail(MULTIPLE_HOST);
        }
        if (hosts == 0 && minorVersion >= 1) {
            return fail(MISSING_HOST);
        }
        return p;
    }

    /** The position after a CRLF at {@code p}. */
    private int lineEnd(int p, int end) {
        if (p == end) {
            return NEED_MORE;
        }
        if (at(p) == '\n') {
            return fail(BARE_LF);
        }
        if (at(p) != '\r') {
            return fail(BAD_REQUEST_LINE);
        }
        if (p + 1 == end) {
            return NEED_MORE;
        }
        return at(p + 1) == '\n' ? p + 2 : fail(BARE_CR);
    }

    private int token(int p, int end) {
        while (p < end && at(p) < 0x80 && TCHAR[at(p)]) {
            p++;
        }
        return p;
    }

    /** The value of 1*DIGIT, or -1 when it is not that or is too large. */
    private long digits(int p, int length) {
        if (length == 0) {
            return -1;
        }
        long n = 0;
        for (int end = p + length; p < end; p++) {
            int d = at(p) - '0';
            if (d < 0 || d > 9 || n > MAX_CONTENT_LENGTH) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private boolean equalsLowerCase(int p, int length, byte[] lower) {
        if (length != lower.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = at(p + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private int at(int p) {
        return s.get(JAVA_BYTE, p) & 0xFF;
    }

    private int fail(String reason) {
        error = reason;
        return BAD;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Why the last {@link #parse} returned {@link #MALFORMED}; null otherwise. One of this class's constants. */
    public String error() {
        return error;
    }

    /** The head's length as {@link #parse} returned it; 0 unless it was complete. */
    public int headLength() {
        return headLength;
    }

    public int methodOffset() {
        return methodOffset;
    }

    public int methodLength() {
        return methodLength;
    }

    /** Where the request target (e.g. {@code /index.html?x=1}) starts in the segment. */
    public int targetOffset() {
        return targetOffset;
    }

    public int targetLength() {
        return targetLength;
    }

    /** The {@code d} of {@code HTTP/1.d}. */
    public int minorVersion() {
        return minorVersion;
    }

    public int headerCount() {
        return headerCount;
    }

    /** Where header {@code i}'s name starts in the segment, {@code i} below {@link #headerCount()}. */
    public int headerNameOffset(int i) {
        return nameOffsets[Objects.checkIndex(i, headerCount)];
    }

    public int headerNameLength(int i) {
        return nameLengths[Objects.checkIndex(i, headerCount)];
    }

    /** Where header {@code i}'s value, without surrounding whitespace, starts in the segment. */
    public int headerValueOffset(int i) {
        return valueOffsets[Objects.checkIndex(i, headerCount)];
    }

    public int headerValueLength(int i) {
        return valueLengths[Objects.checkIndex(i, headerCount)];
    }

    /** The body's length from {@code Content-Length}; 0 when there is none. */
    public long contentLength() {
        return Math.max(contentLength, 0);
    }

    /** Whether the connection stays open after the response to this request. */
    public boolean keepAlive() {
        return minorVersion >= 1 ? !closeAsked : keepAliveAsked && !closeAsked;
    }
}
