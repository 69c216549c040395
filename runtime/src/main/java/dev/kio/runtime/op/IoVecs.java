package dev.kio.runtime.op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A native {@code struct iovec} array for {@link Ops#readv} and {@link Ops#writev}, together with
 * the segments its entries point into. An op that uses it keeps this object, hence the array and
 * every buffer, reachable until its last completion, so a buffer the kernel still fills is never
 * freed under it.
 *
 * <p>Built once and reused: {@link #set} rewrites an entry in place, so a steady stream of vectored
 * I/O allocates nothing. Not thread-safe, and not to be changed while an op that uses it is in flight.
 */
public final class IoVecs {
    private static final long ENTRY_BYTES = 16;

    private final MemorySegment array;
    private final MemorySegment[] segments;
    private int count;

    /** An array of {@code capacity} entries in {@code arena}, none set yet. */
    public IoVecs(Arena arena, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("an iovec array needs at least one entry, got " + capacity);
        }
        this.array = arena.allocate(capacity * ENTRY_BYTES, 8);
        this.segments = new MemorySegment[capacity];
    }

    /**
     * Points entry {@code index} at {@code length} bytes of {@code segment} from {@code offset}; the
     * vector then holds {@code max(count, index + 1)} entries.
     */
    public IoVecs set(int index, MemorySegment segment, long offset, long length) {
        Objects.checkIndex(index, segments.length);
        Objects.requireNonNull(segment, "segment");
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (!segment.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; iovec " + index + " is a heap segment " + segment);
        }
        array.set(JAVA_LONG, index * ENTRY_BYTES, segment.address() + offset);
        array.set(JAVA_LONG, index * ENTRY_BYTES + 8, length);
        segments[index] = segment;
        count = Math.max(count, index + 1);
        return this;
    }

    /** Entries in use: the vector covers entries {@code 0 .. count - 1}. */
    public int count() {
        return count;
    }

    /** The address entry {@code index} points at. */
    public long address(int index) {
        Objects.checkIndex(index, count);
        return array.get(JAVA_LONG, index * ENTRY_BYTES);
    }

    /** The length of entry {@code index}. */
    public long length(int index) {
        Objects.checkIndex(index, count);
        return array.get(JAVA_LONG, index * ENTRY_BYTES + 8);
    }

    long arrayAddress() {
        return array.address();
    }

    /** Checks the vector before an op uses it: non-empty, every entry set, and writable if the kernel writes. */
    IoVecs checked(boolean kernelWrites) {
        if (count == 0) {
            throw new IllegalArgumentException("an iovec array with no entries set");
        }
        for (int i = 0; i < count; i++) {
            MemorySegment s = segments[i];
            if (s == null) {
                throw new IllegalArgumentException("iovec " + i + " of " + count + " is not set");
            }
            Ops.alive(s, " of iovec " + i);
            if (kernelWrites && s.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only segment (iovec " + i + ") " + s);
            }
        }
        return this;
    }
}
