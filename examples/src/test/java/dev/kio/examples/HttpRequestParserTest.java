package dev.kio.examples;

import static dev.kio.examples.HttpRequestParser.INCOMPLETE;
import static dev.kio.examples.HttpRequestParser.MALFORMED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpRequestParserTest {
    /** Requests are placed past the segment's start, so offsets are checked to be absolute. */
    private static final int AT = 5;

    private final Arena arena = Arena.ofConfined();
    private final HttpRequestParser parser = new HttpRequestParser(4);
    private MemorySegment segment;

    @AfterEach
    void freeSegment() {
        arena.close();
    }

    private int parse(String request) {
        byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
        segment = arena.allocate(AT + bytes.length + 7);
        segment.fill((byte) 'x');
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, AT, bytes.length);
        return parser.parse(segment, AT, bytes.length);
    }

    private String text(int offset, int length) {
        byte[] bytes = segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, 0),
                Arguments.of("POST /form?x=1&y=%20 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", true, 12),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n", true, 3),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false, 0),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade,close\r\n\r\n", false, 0),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", true, 0),
                Arguments.of("GET / HTTP/1.0\r\n\r\n", false, 0),
                Arguments.of("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, 0),
                Arguments.of("GET / HTTP/1.9\r\nHost: a\r\n\r\n", true, 0),
                Arguments.of("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", true, 0),
                Arguments.of("M-_.!#$%&'*+^`|~9 * HTTP/1.1\r\nHost: a\r\nX-Obs: caf\u00e9\r\n\r\n", true, 0),
                Arguments.of("GET / HTTP/1.1\r\nHost:\r\n\r\n", true, 0));
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void wellFormedHeadIsParsedToItsEnd(String request, boolean keepAlive, long contentLength) {
        assertEquals(request.length(), parse(request), () -> parser.error());
        assertEquals(request.length(), parser.headLength());
        assertNull(parser.error());
        assertEquals(keepAlive, parser.keepAlive());
        assertEquals(contentLength, parser.contentLength());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_REQUEST_LINE),
                Arguments.of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_REQUEST_LINE),
                Arguments.of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_REQUEST_LINE),
                Arguments.of("GET /a\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_REQUEST_LINE),
                Arguments.of("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_REQUEST_LINE),
                Arguments.of("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", HttpRequestParser.BAD_VERSION),
                Arguments.of("GET / HTTP/2.0\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_VERSION),
                Arguments.of("GET / HTTP/1.10\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_VERSION),
                Arguments.of("GET / http/1.1\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_VERSION),
                Arguments.of("GET / HTTP/1.x\r\nHost: a\r\n\r\n", HttpRequestParser.BAD_VERSION),
                Arguments.of("GET / HTTP/1.1\nHost: a\r\n\r\n", HttpRequestParser.BARE_LF),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\n\r\n", HttpRequestParser.BARE_LF),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\n\n", HttpRequestParser.BARE_LF),
                Arguments.of("GET / HTTP/1.1\rHost: a\r\n\r\n", HttpRequestParser.BARE_CR),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", HttpRequestParser.BARE_CR),
                Arguments.of("GET / HTTP/1.1\r\nHost : a\r\n\r\n", HttpRequestParser.BAD_HEADER_NAME),
                Arguments.of("GET / HTTP/1.1\r\n: a\r\n\r\n", HttpRequestParser.BAD_HEADER_NAME),
                Arguments.of("GET / HTTP/1.1\r\nNo colon\r\n\r\n", HttpRequestParser.BAD_HEADER_NAME),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", HttpRequestParser.OBS_FOLD),
                Arguments.of("GET / HTTP/1.1\r\n Host: a\r\n\r\n", HttpRequestParser.OBS_FOLD),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\u0000b\r\n\r\n", HttpRequestParser.BAD_HEADER_VALUE),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\u007f\r\n\r\n", HttpRequestParser.BAD_HEADER_VALUE),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
                        HttpRequestParser.TOO_MANY_HEADERS),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
                        HttpRequestParser.BAD_CONTENT_LENGTH),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
                        HttpRequestParser.BAD_CONTENT_LENGTH),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", HttpRequestParser.BAD_CONTENT_LENGTH),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
                        HttpRequestParser.BAD_CONTENT_LENGTH),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                        HttpRequestParser.CONFLICTING_CONTENT_LENGTH),
                Arguments.of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                        HttpRequestParser.TRANSFER_ENCODING),
                Arguments.of("GET / HTTP/1.1\r\n\r\n", HttpRequestParser.MISSING_HOST),
                Arguments.of("GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n", HttpRequestParser.MULTIPLE_HOST));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedHeadIsRejectedWithItsReason(String request, String reason) {
        assertEquals(MALFORMED, parse(request));
        assertEquals(reason, parser.error());
        assertEquals(0, parser.headLength());
    }

    @Test
    void everyProperPrefixOfAWellFormedHeadIsIncomplete() {
        String request = "\r\nPOST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\nConnection: close\r\n\r\n";
        for (int n = 0; n < request.length(); n++) {
            String prefix = request.substring(0, n);
            assertEquals(INCOMPLETE, parse(prefix), () -> HttpHelloSelfTest.printable(prefix) + ": " + parser.error());
        }
        assertEquals(request.length(), parse(request));
    }

    @Test
    void malformedByteIsRejectedBeforeTheHeadEnds() {
        assertEquals(MALFORMED, parse("GET / HTTP/1.1\r\nBad Name"));
        assertEquals(HttpRequestParser.BAD_HEADER_NAME, parser.error());
    }

    @Test
    void fieldsAreOffsetsIntoTheSegment() {
        String request = "PUT /a/b?c HTTP/1.1\r\nHost:  example.org \t\r\nX-Empty:\r\nContent-Length: 3\r\n\r\nabc";
        assertEquals(request.length() - 3, parse(request));
        assertEquals("PUT", text(parser.methodOffset(), parser.methodLength()));
        assertEquals("/a/b?c", text(parser.targetOffset(), parser.targetLength()));
        assertEquals(AT, parser.methodOffset());
        assertEquals(1, parser.minorVersion());
        assertEquals(3, parser.headerCount());
        assertEquals("Host", text(parser.headerNameOffset(0), parser.headerNameLength(0)));
        assertEquals("example.org", text(parser.headerValueOffset(0), parser.headerValueLength(0)));
        assertEquals("X-Empty", text(parser.headerNameOffset(1), parser.headerNameLength(1)));
        assertEquals(0, parser.headerValueLength(1));
        assertEquals("3", text(parser.headerValueOffset(2), parser.headerValueLength(2)));
        assertEquals(3, parser.contentLength());
        assertTrue(parser.keepAlive());
        assertThrows(IndexOutOfBoundsException.class, () -> parser.headerNameOffset(3));
    }

    @Test
    void aParseForgetsThePreviousRequest() {
        assertEquals(MALFORMED, parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\nX\r\n\r\n"));
        String next = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assertEquals(next.length(), parse(next));
        assertNull(parser.error());
        assertEquals(0, parser.contentLength());
        assertEquals(1, parser.headerCount());
        assertTrue(parser.keepAlive());
        assertTrue(parse("GET / HTTP/1.0\r\n\r\n") > 0);
        assertFalse(parser.keepAlive());
    }

    @Test
    void rangeOutsideTheSegmentIsRefused() {
        parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThrows(IndexOutOfBoundsException.class, () -> parser.parse(segment, 10, (int) segment.byteSize()));
    }
}
