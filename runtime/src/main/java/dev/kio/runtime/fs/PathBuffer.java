package dev.kio.runtime.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Native memory for one path the kernel reads, owned by a pooled task frame and reused by its
 * later runs. It grows to the longest path seen and is freed by the garbage collector with its
 * frame. Reuse is safe because a frame runs again only once it is done, and a frame is done only
 * once the kernel has completed every op it submitted; the op also keeps the segment reachable.
 */
final class PathBuffer {
    private static final int INITIAL_BYTES = 256;

    private MemorySegment segment = Arena.ofAuto().allocate(INITIAL_BYTES);

    /** {@code path} as a NUL-terminated UTF-8 string at the start of the buffer. */
    MemorySegment encode(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("a path cannot contain a NUL character: " + path.replace("\0", "\\0"));
            }
        }
        if (bytes.length + 1 > segment.byteSize()) {
            segment = Arena.ofAuto().allocate(Long.highestOneBit(bytes.length) * 2);
        }
        MemorySegment.copy(bytes, 0, segment, JAVA_BYTE, 0, bytes.length);
        segment.set(JAVA_BYTE, bytes.length, (byte) 0);
        return segment;
    }
}
