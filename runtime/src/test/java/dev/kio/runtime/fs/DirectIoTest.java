package dev.kio.runtime.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kio.OpException;
import dev.kio.runtime.op.IoVecs;
import dev.kio.runtime.sys.Errno;

/**
 * O_DIRECT through openat, read and write: page-aligned transfers bypass the cache and round trip;
 * a misaligned buffer, length or position is refused with a clear message before submission.
 * Needs a filesystem with direct I/O under java.io.tmpdir (ext4 here); skipped where the open
 * fails with EINVAL.
 */
class DirectIoTest extends FsTestBase {
    private static final int A = KioFile.DIRECT_ALIGNMENT;

    private KioFile openDirect(Path path) throws Exception {
        try {
            return fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT | OpenFlags.DIRECT, 0644);
        } catch (OpException e) {
            assumeTrue(e.errno() != Errno.EINVAL, "the filesystem of " + path + " refuses O_DIRECT: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void alignedDirectWritesAndReadsRoundTrip() throws Exception {
        Path path = dir.resolve("direct");
        KioFile file = openDirect(path);
        try {
            assertTrue(file.isDirect());
            byte[] data = new byte[4 * A];
            new Random(3).nextBytes(data);
            MemorySegment src = arena.allocate(data.length, A).copyFrom(MemorySegment.ofArray(data));
            MemorySegment dst = arena.allocate(data.length, A);
            fs.await(fs.notOwning(path), () -> file.writeFully(src, 0, data.length, A));
            fs.await(fs.notOwning(path), () -> file.readFully(dst, 0, data.length, A));
            assertArrayEquals(data, dst.toArray(JAVA_BYTE));
            assertEquals(5L * A, Files.size(path));
        } finally {
            fs.close(file);
        }
    }

    @Test
    void misalignedAddressLengthOrPositionIsRefusedBeforeSubmission() throws Exception {
        Path path = dir.resolve("misaligned");
        KioFile file = openDirect(path);
        try {
            MemorySegment aligned = arena.allocate(2L * A, A);
            IllegalArgumentException address = assertThrows(IllegalArgumentException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.write(aligned, 512, A, 0)));
            assertTrue(address.getMessage().contains("buffer address"), address.getMessage());
            assertTrue(address.getMessage().contains("KioFile.DIRECT_ALIGNMENT"), address.getMessage());
            IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.read(aligned, 0, 100, 0)));
            assertTrue(length.getMessage().contains("length 100 is not a multiple of " + A), length.getMessage());
            IllegalArgumentException position = assertThrows(IllegalArgumentException.class,
                    () -> fs.await(fs.notOwning(path), () -> file.readFully(aligned, 0, A, 10)));
            assertTrue(position.getMessage().contains("file position 10"), position.getMessage());
            IoVecs vecs = new IoVecs(arena, 2).set(0, aligned, 0, A).set(1, aligned, A, 1000);
            IllegalArgumentException iovec = assertThrows(IllegalArgumentException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.writev(vecs, 0)));
            assertTrue(iovec.getMessage().contains("iovec 1 length"), iovec.getMessage());
            assertEquals(0, Files.size(path), "nothing reached the file");
        } finally {
            fs.close(file);
        }
    }
}
