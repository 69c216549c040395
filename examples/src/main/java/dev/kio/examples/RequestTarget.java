package dev.kio.examples;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A request target turned into a path relative to the directory a {@link StaticFileServer} serves,
 * lexically, without touching the file system. Only the origin form ({@code /path?query}) is
 * accepted; the query is ignored. The path is percent-decoded first ({@code %2e%2e} is {@code ..},
 * {@code %2F} a separator), then split at {@code /}: empty and {@code .} segments are dropped, a
 * {@code ..} segment removes the one before it, and a {@code ..} with nothing left to remove would
 * leave the root, which is refused. What comes out names a file at or under the root as far as
 * names go; where symbolic links lead is the server's to check, once the file is open.
 */
final class RequestTarget {
    /** Why a target cannot name a file under the root, and the status that answers it. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1;
        final int status;

        Rejected(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    static final String NOT_ORIGIN_FORM = "the target is not a path starting with /";
    static final String BAD_ESCAPE = "a % not followed by two hex digits";
    static final String NUL = "an encoded NUL (%00)";
    static final String NOT_UTF_8 = "the decoded path is not UTF-8";
    static final String ESCAPES_ROOT = "a .. segment would leave the root";

    private RequestTarget() {
    }

    /**
     * The path that the target of {@code length} bytes at {@code offset} names under the root:
     * segments joined by {@code /}, empty for the root itself.
     *
     * @throws Rejected with status 400 for a target that is not a well-formed path (not origin
     *                  form, a malformed escape, an encoded NUL, bytes that are not UTF-8), 403 for
     *                  one that would leave the root
     */
    static String relativePath(MemorySegment s, int offset, int length) throws Rejected {
        if (length == 0 || s.get(JAVA_BYTE, offset) != '/') {
            throw new Rejected(400, NOT_ORIGIN_FORM);
        }
        byte[] decoded = new byte[length];
        int n = 0;
        for (int p = offset, end = offset + length; p < end; p++) {
            byte b = s.get(JAVA_BYTE, p);
            if (b == '?' || b == '#') {
                break;
            }
            if (b == '%') {
                int high = p + 1 < end ? hex(s.get(JAVA_BYTE, p + 1)) : -1;
                int low = p + 2 < end ? hex(s.get(JAVA_BYTE, p + 2)) : -1;
                if (high < 0 || low < 0) {
                    throw new Rejected(400, BAD_ESCAPE);
                }
                b = (byte) (high << 4 | low);
                if (b == 0) {
                    throw new Rejected(400, NUL);
                }
                p += 2;
            }
            decoded[n++] = b;
        }
        String path;
        try {
            path = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new Rejected(400, NOT_UTF_8);
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                if (segments.pollLast() == null) {
                    throw new Rejected(403, ESCAPES_ROOT);
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.addLast(segment);
            }
        }
        return String.join("/", segments);
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
