package dev.kio.bench.files;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The file the random reads read: every 8-byte little-endian word holds its own offset, mixed with
 * a constant so that a block of zeros (a hole, a read that never filled the buffer) never passes.
 * Any read can thus be checked against its offset without a second copy of the file.
 *
 * <p>{@code java -cp kio-benchmarks.jar dev.kio.bench.files.BenchFile PATH BYTES} makes the file
 * unless one of that size with that content is there already (the first and last words are checked).
 */
public final class BenchFile {
    private static final long MIX = 0x6b696f2d62656e63L; // "kio-benc"
    private static final int CHUNK = 1 << 20;

    private BenchFile() {
    }

    /** The word at file offset {@code offset} (a multiple of 8). */
    static long word(long offset) {
        return offset ^ MIX;
    }

    /** Whether a block read from {@code position} into {@code block} starts and ends with the words it should. */
    static boolean matches(MemorySegment block, long position) {
        return block.get(JAVA_LONG_UNALIGNED, 0) == word(position)
                && block.get(JAVA_LONG_UNALIGNED, ReadOptions.BLOCK - 8) == word(position + ReadOptions.BLOCK - 8);
    }

    /** {@link #matches(MemorySegment, long)} for a block in a little-endian {@link ByteBuffer}, from index 0. */
    static boolean matches(ByteBuffer block, long position) {
        return block.getLong(0) == word(position) && block.getLong(ReadOptions.BLOCK - 8) == word(position + ReadOptions.BLOCK - 8);
    }

    /** The size of {@code file}; fails unless it is a whole, positive number of {@link ReadOptions#BLOCK}s. */
    static long checkedSize(Path file) throws IOException {
        long size = Files.size(file);
        if (size < ReadOptions.BLOCK || size % ReadOptions.BLOCK != 0) {
            throw new IOException(file + " holds " + size + " bytes, not a positive multiple of " + ReadOptions.BLOCK
                    + ": make it with BenchFile");
        }
        return size;
    }

    /** Makes {@code file} of {@code bytes} bytes (a multiple of 1 MiB), unless it is there already; returns whether it wrote it. */
    public static boolean create(Path file, long bytes) throws IOException {
        if (bytes <= 0 || bytes % CHUNK != 0) {
            throw new IllegalArgumentException("the size must be a positive multiple of " + CHUNK + " bytes, got " + bytes);
        }
        if (isMade(file, bytes)) {
            return false;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (long at = 0; at < bytes; at += CHUNK) {
                chunk.clear();
                for (int i = 0; i < CHUNK; i += 8) {
                    chunk.putLong(i, word(at + i));
                }
                while (chunk.hasRemaining()) {
                    ch.write(chunk, at + chunk.position());
                }
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static boolean isMade(Path file, long bytes) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != bytes) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(ReadOptions.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file)) {
            for (long at : new long[] {0, bytes - ReadOptions.BLOCK}) {
                b.clear();
                for (int n = 0; n >= 0 && b.hasRemaining(); ) {
                    n = ch.read(b, at + b.position());
                }
                if (b.hasRemaining() || !matches(b, at)) {
                    return false;
                }
            }
        }
        return true;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BenchFile PATH BYTES");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        long bytes = Long.parseLong(args[1]);
        System.out.println((create(file, bytes) ? "made " : "reusing ") + file + " (" + bytes + " bytes)");
    }
}
