package dev.kio.benchmarks.peers;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class HttpHelloTest {

    @Test
    void requestWhoseEndIsSplitAcrossReadsCountsOnceInTheReadThatCompletesIt() {
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII);
        for (int split = 0; split <= request.length; split++) {
            long first = HttpHello.scan(MemorySegment.ofArray(request), split, 0);
            MemorySegment rest = MemorySegment.ofArray(request).asSlice(split);
            long second = HttpHello.scan(rest, request.length - split, HttpHello.matched(first));

            assertEquals(split == request.length ? 1 : 0, HttpHello.requests(first), "split at " + split);
            assertEquals(split == request.length ? 0 : 1, HttpHello.requests(second), "split at " + split);
            assertEquals(0, HttpHello.matched(second), "split at " + split);
        }
    }

    @Test
    void headerLinesEndingInCrLfAreNotARequestEnd() {
        byte[] bytes = "GET / HTTP/1.1\r\nA: b\r\n\r\r\n\n\r\n".getBytes(US_ASCII);
        assertEquals(0, HttpHello.requests(HttpHello.scan(MemorySegment.ofArray(bytes), bytes.length, 0)));
    }
}
