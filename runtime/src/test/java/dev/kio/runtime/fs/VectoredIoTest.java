package dev.kio.runtime.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.op.IoVecs;

/**
 * IORING_OP_READV and WRITEV (5.1): several buffers, in order, at one file position; an iovec
 * array that is incomplete or names unusable memory is refused before the kernel sees it.
 */
class VectoredIoTest extends FsTestBase {

    @Test
    void writevGathersAndReadvScattersAtAPosition() throws Exception {
        Path path = dir.resolve("vectored");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            IoVecs out = new IoVecs(arena, 3)
                    .set(0, bytes("alpha-"), 0, 6)
                    .set(1, bytes("xxbeta-"), 2, 5)
                    .set(2, bytes("gamma"), 0, 5);
            assertEquals(16, fs.awaitOp(file.worker(), () -> file.writev(out, 10)));
            assertEquals("alpha-beta-gamma", Files.readString(path, StandardCharsets.US_ASCII).substring(10));

            MemorySegment first = arena.allocate(4);
            MemorySegment second = arena.allocate(32);
            IoVecs in = new IoVecs(arena, 2).set(0, first, 0, 4).set(1, second, 0, 32);
            assertEquals(16, fs.awaitOp(file.worker(), () -> file.readv(in, 10)));
            assertEquals("alph", new String(first.toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
            assertEquals("a-beta-gamma", new String(second.asSlice(0, 12).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
        } finally {
            fs.close(file);
        }
    }

    @Test
    void incompleteOrUnusableIoVecsAreRefusedBeforeSubmission() throws Exception {
        Path path = dir.resolve("refused");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            MemorySegment buf = arena.allocate(8);
            IoVecs gap = new IoVecs(arena, 3).set(0, buf, 0, 8).set(2, buf, 0, 8);
            IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.writev(gap, 0)));
            assertEquals("iovec 1 of 3 is not set", unset.getMessage());

            IoVecs readOnly = new IoVecs(arena, 1).set(0, buf.asReadOnly(), 0, 8);
            assertThrows(IllegalArgumentException.class, () -> fs.awaitOp(file.worker(), () -> file.readv(readOnly, 0)));
            assertEquals(8, fs.awaitOp(file.worker(), () -> file.writev(readOnly, 0)), "a read-only buffer may be written out");

            IoVecs vecs = new IoVecs(arena, 1);
            assertThrows(IllegalArgumentException.class, () -> vecs.set(0, MemorySegment.ofArray(new byte[8]), 0, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> vecs.set(0, buf, 4, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> vecs.set(1, buf, 0, 8));
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.readv(vecs, 0)));
            assertTrue(empty.getMessage().contains("no entries"), empty.getMessage());
        } finally {
            fs.close(file);
        }
    }
}
