package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kio.OpException;
import dev.kio.runtime.sys.Errno;

/** IORING_OP_STATX (5.6), MKDIRAT (5.15), RENAMEAT and UNLINKAT (5.11) on real paths. */
class MetadataTest extends FsTestBase {

    @Test
    void statReportsSizeModeAndTheExactModificationTime() throws Exception {
        Path path = dir.resolve("stat");
        Files.write(path, new byte[1234]);
        Instant mtime = Instant.parse("2021-03-04T05:06:07.123456789Z");
        Files.setLastModifiedTime(path, FileTime.from(mtime));

        FileStat byPath = fs.await(fs.notOwning(path), () -> fs.files.stat(path));
        assertEquals(1234, byPath.size());
        assertEquals(mtime, byPath.modified());
        assertTrue(byPath.isRegularFile());
        assertFalse(byPath.isDirectory());
        assertEquals(1, byPath.links());

        KioFile file = fs.open(path, OpenFlags.RDWR, 0);
        try {
            fs.await(fs.notOwning(path), () -> file.writeFully(bytes("x"), 0, 1, 5000));
            FileStat byFd = fs.await(fs.notOwning(path), file::stat);
            assertEquals(5001, byFd.size());
            assertTrue(byFd.modified().isAfter(mtime), "a write moves mtime: " + byFd.modified());
        } finally {
            fs.close(file);
        }
    }

    @Test
    void mkdirMakesADirectoryAndRmdirRemovesItOnceEmpty() throws Exception {
        Path sub = dir.resolve("sub");
        fs.await(fs.notOwning(sub), () -> fs.files.mkdir(sub, 0750));
        FileStat stat = fs.await(fs.notOwning(sub), () -> fs.files.stat(sub));
        assertTrue(stat.isDirectory());
        assertEquals(0750, stat.permissions() & 0750);

        OpException exists = assertThrows(OpException.class, () -> fs.await(fs.notOwning(sub), () -> fs.files.mkdir(sub, 0750)));
        assertEquals("EEXIST", exists.errnoName());
        assertEquals("mkdirat", exists.operation());

        Files.write(sub.resolve("inside"), new byte[1]);
        OpException notEmpty = assertThrows(OpException.class, () -> fs.await(fs.notOwning(sub), () -> fs.files.rmdir(sub)));
        assertEquals(Errno.ENOTEMPTY, notEmpty.errno());
        OpException isDir = assertThrows(OpException.class, () -> fs.await(fs.notOwning(sub), () -> fs.files.unlink(sub)));
        assertEquals(Errno.EISDIR, isDir.errno());
        assertEquals("unlinkat", isDir.operation());

        Path inside = sub.resolve("inside");
        fs.await(fs.notOwning(inside), () -> fs.files.unlink(inside));
        fs.await(fs.notOwning(sub), () -> fs.files.rmdir(sub));
        assertFalse(Files.exists(sub));
    }

    @Test
    void renameMovesAFileAndReplacesTheTarget() throws Exception {
        Path from = dir.resolve("from");
        Path to = dir.resolve("to");
        Files.writeString(from, "moved");
        Files.writeString(to, "replaced");
        fs.await(fs.notOwning(from), () -> fs.files.rename(from, to));
        assertFalse(Files.exists(from));
        assertEquals("moved", Files.readString(to));

        OpException gone = assertThrows(OpException.class, () -> fs.await(fs.notOwning(from), () -> fs.files.rename(from, to)));
        assertEquals("ENOENT", gone.errnoName());
        assertEquals("renameat", gone.operation());
        assertEquals(from + " -> " + to, gone.target());
    }
}
