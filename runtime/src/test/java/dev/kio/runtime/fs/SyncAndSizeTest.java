package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.kio.OpException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpState;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;

/**
 * IORING_OP_FSYNC (5.1, with IORING_FSYNC_DATASYNC for fdatasync), FALLOCATE (5.6) and FTRUNCATE
 * (6.9, or ftruncate(2) called directly where the ring lacks it).
 */
class SyncAndSizeTest extends FsTestBase {

    /** Creates ftruncate's op on the file's worker, notes whether it went to the ring (PREPARED) or ran at once (READY), and awaits it. */
    static final class Truncate extends Frame<OpState> {
        private final KioFile file;
        private final long length;
        private OpState created;

        Truncate(KioFile file, long length) {
            this.file = file;
            this.length = length;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                Op op = ops().ftruncate(file.fd(), length);
                created = op.state();
                state = 1;
                if (await(op)) {
                    return;
                }
            }
            result();
            complete(created);
        }
    }

    @Test
    void fsyncAndFdatasyncSucceedOnAFileAndFailWithEinvalOnAFifo() throws Exception {
        Path path = dir.resolve("synced");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            fs.await(fs.notOwning(path), () -> file.writeFully(bytes("durable"), 0, 7, 0));
            fs.await(fs.notOwning(path), file::fsync);
            fs.await(fs.notOwning(path), file::fdatasync);
        } finally {
            fs.close(file);
        }
        Path fifo = FsPool.fifo(dir.resolve("fifo"));
        KioFile pipe = fs.open(fifo, OpenFlags.RDWR, 0);
        try {
            OpException e = assertThrows(OpException.class, () -> fs.await(fs.notOwning(fifo), pipe::fdatasync));
            assertEquals(Errno.EINVAL, e.errno());
            assertEquals("fsync", e.operation());
            assertEquals(pipe.toString(), e.target());
        } finally {
            fs.close(pipe);
        }
    }

    @Test
    void fallocateGrowsTheFileAndItsAllocatedBlocks() throws Exception {
        Path path = dir.resolve("allocated");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            fs.await(fs.notOwning(path), () -> file.fallocate(0, 0, 1 << 20));
            FileStat stat = fs.await(fs.notOwning(path), file::stat);
            assertEquals(1 << 20, stat.size());
            assertTrue(stat.blocks() >= (1 << 20) / 512, "blocks " + stat.blocks());
            OpException e = assertThrows(OpException.class, () -> fs.await(fs.notOwning(path), () -> file.fallocate(0, 0, 0)));
            assertEquals("EINVAL", e.errnoName());
            assertEquals("fallocate", e.operation());
        } finally {
            fs.close(file);
        }
    }

    @Test
    void truncateShrinksAndGrowsWithZeros() throws Exception {
        Path path = dir.resolve("truncated");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            fs.await(fs.notOwning(path), () -> file.writeFully(bytes("0123456789abcdef"), 0, 16, 0));
            fs.await(fs.notOwning(path), () -> file.truncate(4));
            assertArrayEquals("0123".getBytes(), Files.readAllBytes(path));
            fs.await(fs.notOwning(path), () -> file.truncate(4096));
            byte[] grown = Files.readAllBytes(path);
            assertEquals(4096, grown.length);
            assertArrayEquals(new byte[4092], Arrays.copyOfRange(grown, 4, 4096));
        } finally {
            fs.close(file);
        }
    }

    @Test
    void truncateOfAReadOnlyDescriptorFailsWithEinvalNamingThePath() throws Exception {
        Path path = dir.resolve("readonly");
        Files.write(path, new byte[100]);
        KioFile file = fs.open(path, OpenFlags.RDONLY, 0);
        try {
            OpException e = assertThrows(OpException.class, () -> fs.await(fs.notOwning(path), () -> file.truncate(1)));
            assertEquals("EINVAL", e.errnoName());
            assertEquals("ftruncate", e.operation());
            assertTrue(e.getMessage().startsWith("ftruncate(" + path + " (fd " + file.fd() + ")) failed: EINVAL"), e.getMessage());
            assertEquals(100, Files.size(path));
        } finally {
            fs.close(file);
        }
    }

    @Test
    void ftruncateUsesTheRingWhenItHasTheOpcodeAndTheDirectCallOtherwiseBehavesAlike() throws Exception {
        Path path = dir.resolve("fallback");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            boolean inRing = IoUring.support().supports(Opcode.FTRUNCATE);
            OpState state = file.worker().syncWait(new Truncate(file, 10));
            assertEquals(inRing ? OpState.PREPARED : OpState.READY, state);
            assertEquals(10, Files.size(path));
            // The fallback itself: ftruncate(2) through FFM, 0 or -errno like a completion.
            assertEquals(0, Native.ftruncate(file.fd(), 3));
            assertEquals(3, Files.size(path));
            assertEquals(-Errno.EINVAL, Native.ftruncate(file.fd(), -1));
            assertNotEquals(0, Native.ftruncate(-1, 0));
        } finally {
            fs.close(file);
        }
    }
}
