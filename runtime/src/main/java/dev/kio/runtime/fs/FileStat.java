package dev.kio.runtime.fs;

import java.lang.foreign.MemorySegment;
import java.time.Instant;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * What statx(2) reports about a file ({@code STATX_BASIC_STATS}).
 *
 * @param size     the length in bytes
 * @param blocks   512-byte blocks allocated (fallocate grows this without writing)
 * @param mode     the file type and permission bits ({@code st_mode})
 * @param links    the number of hard links
 * @param accessed last access
 * @param modified last change of the contents
 * @param changed  last change of the contents or the metadata
 */
public record FileStat(long size, long blocks, int mode, int links, Instant accessed, Instant modified,
        Instant changed) {
    /** {@code STATX_BASIC_STATS}: everything {@code stat(2)} reports. */
    static final int MASK = 0x7ff;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** The permission bits, e.g. {@code 0644}. */
    public int permissions() {
        return mode & 07777;
    }

    /** Reads a {@code struct statx} the kernel filled. */
    static FileStat of(MemorySegment statx) {
        return new FileStat(
                statx.get(JAVA_LONG, 40),
                statx.get(JAVA_LONG, 48),
                Short.toUnsignedInt(statx.get(JAVA_SHORT, 28)),
                statx.get(JAVA_INT, 16),
                time(statx, 64),
                time(statx, 112),
                time(statx, 96));
    }

    /** A {@code struct statx_timestamp}: seconds, then nanoseconds. */
    private static Instant time(MemorySegment statx, long offset) {
        return Instant.ofEpochSecond(statx.get(JAVA_LONG, offset), Integer.toUnsignedLong(statx.get(JAVA_INT, offset + 8)));
    }
}
