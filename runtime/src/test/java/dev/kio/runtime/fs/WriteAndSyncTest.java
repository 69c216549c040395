package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kio.OpException;
import dev.kio.runtime.sys.Errno;

/** {@link KioFile#writeAndSync}: each write linked to an fsync in one submission. */
class WriteAndSyncTest extends FsTestBase {

    @Test
    void writeAndSyncPutsTheBytesAtThePositionAndFinishesAfterTheFsync() throws Exception {
        Path path = dir.resolve("durable");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            byte[] data = new byte[100_000];
            new Random(11).nextBytes(data);
            MemorySegment src = arena.allocate(data.length).copyFrom(MemorySegment.ofArray(data));
            fs.await(fs.notOwning(path), () -> file.writeAndSync(src, 0, data.length, 10));
            fs.await(fs.notOwning(path), () -> file.writeAndSync(src, 0, 0, 0));
            byte[] back = Files.readAllBytes(path);
            assertEquals(10 + data.length, back.length);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(back, 10, back.length));
        } finally {
            fs.close(file);
        }
    }

    @Test
    void aFailingWriteEndsTheTaskWithItsOwnErrorNotTheCancelledFsync() throws Exception {
        Path path = dir.resolve("readonly");
        Files.writeString(path, "x");
        KioFile file = fs.open(path, OpenFlags.RDONLY, 0);
        try {
            MemorySegment src = bytes("hello");
            OpException e = assertThrows(OpException.class,
                    () -> fs.await(fs.notOwning(path), () -> file.writeAndSync(src, 0, 5, 0)));
            assertEquals(Errno.EBADF, e.errno());
            assertEquals("write", e.operation());
            assertEquals(file.toString(), e.target());
            assertEquals("x", Files.readString(path));
        } finally {
            fs.close(file);
        }
    }
}
