package dev.kio.runtime.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.op.Ops;

/**
 * IORING_OP_OPENAT, READ, WRITE and CLOSE (5.6) on real files and FIFOs through KioFile: data
 * lands at the positions asked for, readFully and writeFully loop until every byte has moved, and
 * the end of a file or a closed file give clear errors.
 */
class FileReadWriteTest extends FsTestBase {

    @Test
    void bytesWrittenAtPositionsAreReadBackFromThosePositions() throws Exception {
        Path path = dir.resolve("positions");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            MemorySegment hello = bytes("hello");
            MemorySegment world = bytes("__world__");
            // Single ops run on the file's own worker; offsets into the segment are honoured too.
            assertEquals(5, fs.awaitOp(file.worker(), () -> file.write(hello, 0, 5, 100)));
            assertEquals(5, fs.awaitOp(file.worker(), () -> file.write(world, 2, 5, 4000)));

            byte[] onDisk = Files.readAllBytes(path);
            assertEquals(4005, onDisk.length);
            assertEquals("hello", new String(onDisk, 100, 5, StandardCharsets.US_ASCII));
            assertEquals("world", new String(onDisk, 4000, 5, StandardCharsets.US_ASCII));
            assertTrue(Arrays.equals(new byte[3895], Arrays.copyOfRange(onDisk, 105, 4000)), "the hole reads as zeros");

            MemorySegment back = arena.allocate(16);
            fs.await(fs.notOwning(path), () -> file.readFully(back, 3, 5, 4000));
            assertEquals("world", new String(back.asSlice(3, 5).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
            assertEquals(0, fs.awaitOp(file.worker(), () -> file.read(back, 0, 16, 4005)), "0 at end of file");
        } finally {
            fs.close(file);
        }
    }

    @Test
    void writeFullyThenReadFullyRoundTripsAMegabyteFromAnotherWorker() throws Exception {
        Path path = dir.resolve("megabyte");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        MemorySegment src = arena.allocate(data.length).copyFrom(MemorySegment.ofArray(data));
        MemorySegment dst = arena.allocate(data.length);
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT | OpenFlags.TRUNC, 0600);
        try {
            fs.await(fs.notOwning(path), () -> file.writeFully(src, 0, data.length, 0));
            fs.await(fs.notOwning(path), () -> file.readFully(dst, 0, data.length, 0));
        } finally {
            fs.close(file);
        }
        assertArrayEquals(data, Files.readAllBytes(path));
        assertArrayEquals(data, dst.toArray(JAVA_BYTE));
    }

    @Test
    void readFullyKeepsReadingOverShortReadsFromAFifo() throws Exception {
        Path path = FsPool.fifo(dir.resolve("fifo"));
        // O_RDWR: opening a FIFO that way never waits for a writer.
        KioFile file = fs.open(path, OpenFlags.RDWR, 0);
        try (OutputStream writer = new FileOutputStream(path.toFile())) {
            MemorySegment dst = arena.allocate(300);
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
                try {
                    fs.await(fs.notOwning(path), () -> file.readFully(dst, 0, 300, Ops.CURRENT_POSITION));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] chunk = new byte[100];
            for (int i = 0; i < 3; i++) {
                Arrays.fill(chunk, (byte) ('a' + i));
                writer.write(chunk);
                writer.flush();
                if (i < 2) {
                    // The read already returned this chunk alone (a short read): readFully must still be waiting.
                    Thread.sleep(100);
                    assertFalse(read.isDone(), "readFully finished after " + (i + 1) * 100 + " of 300 bytes");
                }
            }
            read.get(10, TimeUnit.SECONDS);
            byte[] got = dst.toArray(JAVA_BYTE);
            for (int i = 0; i < 300; i++) {
                assertEquals('a' + i / 100, got[i], "byte " + i);
            }
        } finally {
            fs.close(file);
        }
    }

    @Test
    void writeFullyDeliversEveryByteThroughAFifoWhileItIsDrained() throws Exception {
        Path path = FsPool.fifo(dir.resolve("fifo"));
        KioFile file = fs.open(path, OpenFlags.RDWR, 0);
        byte[] data = new byte[1 << 20];
        new Random(11).nextBytes(data);
        MemorySegment src = arena.allocate(data.length).copyFrom(MemorySegment.ofArray(data));
        try (InputStream reader = new FileInputStream(path.toFile())) {
            // Sixteen times the pipe's capacity: the writes cannot finish until the reader drains them.
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    fs.await(fs.notOwning(path), () -> file.writeFully(src, 0, data.length, Ops.CURRENT_POSITION));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertArrayEquals(data, reader.readNBytes(data.length));
            write.get(10, TimeUnit.SECONDS);
        } finally {
            fs.close(file);
        }
    }

    @Test
    void readFullyPastTheEndFailsWithEofNamingThePath() throws Exception {
        Path path = dir.resolve("short");
        Files.write(path, new byte[10]);
        KioFile file = fs.open(path, OpenFlags.RDONLY, 0);
        try {
            MemorySegment dst = arena.allocate(64);
            EOFException e = assertThrows(EOFException.class,
                    () -> fs.await(fs.notOwning(path), () -> file.readFully(dst, 0, 64, 4)));
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("after 6 of 64 bytes from position 4"), e.getMessage());
        } finally {
            fs.close(file);
        }
    }

    @Test
    void singleOpsOffTheOwningWorkerAndOpsOnAClosedFileAreRefused() throws Exception {
        Path path = dir.resolve("owned");
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        MemorySegment buf = arena.allocate(8);
        IllegalStateException elsewhere = assertThrows(IllegalStateException.class,
                () -> fs.awaitOp(fs.notOwning(path), () -> file.read(buf, 0, 8, 0)));
        assertTrue(elsewhere.getMessage().contains("must run on its " + file.worker()), elsewhere.getMessage());
        assertThrows(IllegalStateException.class, () -> file.write(buf, 0, 8, 0), "a plain thread is no worker");

        fs.close(file);
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> fs.awaitOp(file.worker(), () -> file.read(buf, 0, 8, 0)));
        assertTrue(closed.getMessage().endsWith("the file is closed"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> fs.close(file), "closing twice");
        assertThrows(IllegalStateException.class, () -> fs.await(fs.notOwning(path), file::fsync));
    }
}
