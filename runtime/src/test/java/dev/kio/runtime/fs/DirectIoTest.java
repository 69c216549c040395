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
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.op.IoVecs;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.Frame;

/**
 * O_DIRECT through openat, read and write: the file's alignment comes from statx (STATX_DIOALIGN),
 * aligned transfers bypass the cache and round trip, from arena memory or from pooled registered
 * buffers; a misaligned buffer, length or position fails with EINVAL naming the operation, the file
 * and the alignment, before submission.
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
    void theFileReportsItsDirectIoAlignmentFromStatx() throws Exception {
        KioFile file = openDirect(dir.resolve("aligned"));
        try {
            int memory = file.directMemoryAlignment();
            int offset = file.directOffsetAlignment();
            assertTrue(Integer.bitCount(memory) == 1 && memory <= A, "memory alignment " + memory);
            assertTrue(Integer.bitCount(offset) == 1 && offset <= A, "offset alignment " + offset);
        } finally {
            fs.close(file);
        }
        KioFile buffered = fs.open(dir.resolve("buffered"), OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            assertEquals(0, buffered.directMemoryAlignment());
            assertEquals(0, buffered.directOffsetAlignment());
        } finally {
            fs.close(buffered);
        }
    }

    /** Aligned pool buffers, registered with the ring: the transfers are READ_FIXED/WRITE_FIXED with O_DIRECT. */
    @Test
    void pooledBuffersAlignedForTheFileRoundTrip() throws Exception {
        Path path = dir.resolve("pooled");
        KioFile file = openDirect(path);
        try {
            byte[] back = file.worker().syncWait(new Frame<byte[]>() {
                private Buffer out;
                private Buffer in;

                @Override
                protected void step() throws Throwable {
                    switch (state) {
                        case 0 -> {
                            out = worker().buffers().acquireAligned(file.directMemoryAlignment());
                            in = worker().buffers().acquireAligned(file.directMemoryAlignment());
                            for (int i = 0; i < out.capacity(); i++) {
                                out.segment().set(JAVA_BYTE, i, (byte) (i % 251));
                            }
                            state = 1;
                            await(file.write(out, 0, out.capacity(), file.directOffsetAlignment()));
                        }
                        case 1 -> {
                            assertEquals(out.capacity(), result());
                            state = 2;
                            await(file.read(in, 0, in.capacity(), file.directOffsetAlignment()));
                        }
                        default -> {
                            assertEquals(in.capacity(), result());
                            byte[] got = in.segment().toArray(JAVA_BYTE);
                            out.release();
                            in.release();
                            complete(got);
                        }
                    }
                }
            });
            for (int i = 0; i < back.length; i++) {
                assertEquals((byte) (i % 251), back[i], "byte " + i);
            }
        } finally {
            fs.close(file);
        }
    }

    @Test
    void misalignedAddressLengthOrPositionFailsWithEinvalNamingTheAlignment() throws Exception {
        Path path = dir.resolve("misaligned");
        KioFile file = openDirect(path);
        try {
            int memory = file.directMemoryAlignment();
            int offset = file.directOffsetAlignment();
            MemorySegment aligned = arena.allocate(2L * A, A);
            OpException address = assertThrows(OpException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.write(aligned, memory / 2, offset, 0)));
            assertEquals(Errno.EINVAL, address.errno());
            assertEquals("write", address.operation());
            assertTrue(address.getMessage().startsWith("write(" + file + ", opened with O_DIRECT: buffer address "),
                    address.getMessage());
            assertTrue(address.getMessage().contains("is not a multiple of " + memory), address.getMessage());
            assertTrue(address.getMessage().endsWith(") failed: EINVAL (Invalid argument)"), address.getMessage());
            OpException length = assertThrows(OpException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.read(aligned, 0, offset - 1, 0)));
            assertTrue(length.getMessage().contains("length " + (offset - 1) + " is not a multiple of " + offset),
                    length.getMessage());
            OpException position = assertThrows(OpException.class,
                    () -> fs.await(fs.notOwning(path), () -> file.readFully(aligned, 0, offset, 10)));
            assertTrue(position.getMessage().contains("file position 10"), position.getMessage());
            IoVecs vecs = new IoVecs(arena, 2).set(0, aligned, 0, A).set(1, aligned, A, offset - 1);
            OpException iovec = assertThrows(OpException.class,
                    () -> fs.awaitOp(file.worker(), () -> file.writev(vecs, 0)));
            assertTrue(iovec.getMessage().contains("iovec 1 length"), iovec.getMessage());
            assertEquals(0, Files.size(path), "nothing reached the file");
        } finally {
            fs.close(file);
        }
    }
}
