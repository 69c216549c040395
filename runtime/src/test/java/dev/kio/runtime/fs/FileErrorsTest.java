package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.sys.Errno;

/**
 * Bad input to file operations: each gives an OpException naming the errno, the operation and the
 * path, and none leaves a descriptor open or a read pending in the kernel once its caller has resumed.
 */
class FileErrorsTest extends FsTestBase {

    @Test
    void openingAMissingPathFailsWithEnoentNamingOpenatAndThePath() throws Exception {
        Path missing = dir.resolve("no/such/file");
        OpException e = assertThrows(OpException.class, () -> fs.open(missing, OpenFlags.RDONLY, 0));
        assertEquals("ENOENT", e.errnoName());
        assertEquals("openat", e.operation());
        assertEquals(missing.toString(), e.target());
        assertEquals("openat(" + missing + ") failed: ENOENT (No such file or directory)", e.getMessage());

        OpException stat = assertThrows(OpException.class, () -> fs.await(fs.notOwning(missing), () -> fs.files.stat(missing)));
        assertEquals("statx", stat.operation());
        assertEquals(missing.toString(), stat.target());
    }

    @Test
    void theTargetIsTheCanonicalPathWhateverTheSpelling() throws Exception {
        Path spelled = dir.resolve("a/../missing");
        OpException e = assertThrows(OpException.class, () -> fs.open(spelled, OpenFlags.RDONLY, 0));
        assertEquals(dir.resolve("missing").toString(), e.target());
    }

    @Test
    void openingADirectoryForWritingFailsWithEisdirEvenForRoot() throws Exception {
        OpException e = assertThrows(OpException.class, () -> fs.open(dir, OpenFlags.WRONLY, 0));
        assertEquals(Errno.EISDIR, e.errno());
        assertEquals(dir.toString(), e.target());
    }

    @Test
    void exclusiveCreateOfAnExistingFileFailsWithEexist() throws Exception {
        Path path = dir.resolve("exists");
        Files.write(path, new byte[1]);
        OpException e = assertThrows(OpException.class,
                () -> fs.open(path, OpenFlags.WRONLY | OpenFlags.CREAT | OpenFlags.EXCL, 0644));
        assertEquals(Errno.EEXIST, e.errno());
    }

    @Test
    void permissionDeniedFailsWithEaccesForOrdinaryUsers() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root bypasses file permissions");
        Path path = dir.resolve("locked");
        Files.write(path, new byte[1]);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
        OpException e = assertThrows(OpException.class, () -> fs.open(path, OpenFlags.RDONLY, 0));
        assertEquals(Errno.EACCES, e.errno());
        assertEquals(path.toString(), e.target());
    }

    @Test
    void aFailedSingleOpNamesTheFileThroughTheFramesResult() throws Exception {
        Path path = dir.resolve("readonly");
        Files.write(path, new byte[8]);
        KioFile file = fs.open(path, OpenFlags.RDONLY, 0);
        try {
            MemorySegment src = bytes("nope");
            OpException e = assertThrows(OpException.class, () -> fs.awaitOp(file.worker(), () -> file.write(src, 0, 4, 0)));
            assertEquals("EBADF", e.errnoName());
            assertEquals("write", e.operation());
            assertEquals(path + " (fd " + file.fd() + ")", e.target());
        } finally {
            fs.close(file);
        }
    }

    @Test
    void theDescriptorCountReturnsToItsBaselineAfterFailuresAndCloses() throws Exception {
        Map<Integer, String> before = FdLeakCheck.openFds();
        Path path = dir.resolve("churn");
        for (int i = 0; i < 20; i++) {
            assertThrows(OpException.class, () -> fs.open(dir.resolve("missing"), OpenFlags.RDONLY, 0));
            assertThrows(OpException.class, () -> fs.open(dir, OpenFlags.RDWR, 0));
            KioFile file = fs.open(path, OpenFlags.RDONLY | OpenFlags.CREAT, 0644);
            // A failing op on the open file must not stop it from being closed.
            assertThrows(OpException.class, () -> fs.await(fs.notOwning(path), () -> file.truncate(0)));
            fs.close(file);
        }
        assertEquals(before, FdLeakCheck.openFds());
    }

    @Test
    void aTimedOutReadEndsInTheKernelAndConsumesNothingWrittenLater() throws Exception {
        Path path = FsPool.fifo(dir.resolve("fifo"));
        KioFile file = fs.open(path, OpenFlags.RDWR, 0);
        try {
            MemorySegment buf = arena.allocate(64);
            OpTimedOutException e = assertThrows(OpTimedOutException.class, () -> fs.awaitOp(file.worker(),
                    () -> file.read(buf, 0, 64, Ops.CURRENT_POSITION).timeout(Duration.ofMillis(50))));
            assertEquals("read", e.operation());
            assertEquals(file.toString(), e.target());
            // The frame resumed on the read's own completion, so the kernel is done with the buffer:
            // data written now stays in the pipe for the next reader.
            Files.write(path, "after".getBytes());
            try (InputStream in = new FileInputStream(path.toFile())) {
                assertEquals("after", new String(in.readNBytes(5)));
            }
        } finally {
            fs.close(file);
        }
    }
}
