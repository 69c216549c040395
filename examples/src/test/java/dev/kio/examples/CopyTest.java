package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpException;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.worker.IoPool;

/**
 * The cp example: byte-exact copies of empty, one-byte, unaligned and multi-MiB files, through the
 * page cache and with O_DIRECT (in a directory under target/, on the build's own filesystem), the
 * mode kept; a missing source or an unwritable destination is an error naming the path, and no
 * descriptor stays open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CopyTest {
    private static final int[] SIZES = {0, 1, 12_345, 3 * 1024 * 1024 + 17};
    private static IoPool pool;
    private static FileManager files;
    private Path dir;

    @BeforeAll
    static void startPool() throws Exception {
        pool = IoPool.builder().workers(2).pin(false).start();
        files = FileManager.of(pool);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createDirectories(Path.of("target", "copy-test-" + System.nanoTime()).toAbsolutePath());
    }

    @AfterEach
    void removeDir() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private long copy(Path src, Path dst, boolean direct) throws Exception {
        return pool.worker(0).syncWait(Copy_Kio.copy(new Copy_Kio(), files, src, dst, direct));
    }

    private void copiesEverySizeByteForByte(boolean direct) throws Exception {
        Random random = new Random(5);
        for (int size : SIZES) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            Path src = Files.write(dir.resolve("src-" + size), data);
            Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));
            Path dst = dir.resolve("dst-" + size);
            Files.write(dst, new byte[size + 5000]); // longer than the copy: truncated by it
            try {
                assertEquals(size, copy(src, dst, direct));
            } catch (OpException e) {
                assumeTrue(!(direct && e.errno() == Errno.EINVAL), "no O_DIRECT under " + dir + ": " + e.getMessage());
                throw e;
            }
            assertArrayEquals(data, Files.readAllBytes(dst), "copy of " + size + " bytes");
        }
        Path fresh = dir.resolve("fresh");
        copy(dir.resolve("src-1"), fresh, direct);
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)),
                "a new destination gets the source's mode (the umask 022 clears none of it)");
    }

    @Test
    void copiesEmptyTinyUnalignedAndLargeFilesThroughThePageCache() throws Exception {
        copiesEverySizeByteForByte(false);
    }

    @Test
    void copiesEmptyTinyUnalignedAndLargeFilesWithODirect() throws Exception {
        copiesEverySizeByteForByte(true);
    }

    @Test
    void aMissingSourceOrUnwritableDestinationNamesThePathAndLeavesNoDescriptor() throws Exception {
        Path src = Files.writeString(dir.resolve("src"), "data");
        copy(src, dir.resolve("warm-up"), false);
        List<String> before = OpenFds.list();

        Path missing = dir.resolve("missing");
        OpException noSource = assertThrows(OpException.class, () -> copy(missing, dir.resolve("out"), false));
        assertEquals(Errno.ENOENT, noSource.errno());
        assertEquals("statx(" + missing + ") failed: ENOENT (No such file or directory)", noSource.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));

        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        OpException isDir = assertThrows(OpException.class, () -> copy(src, directory, false));
        assertEquals(Errno.EISDIR, isDir.errno());
        assertEquals("openat(" + directory + ") failed: EISDIR (Is a directory)", isDir.getMessage());

        Path noParent = dir.resolve("no-such-dir").resolve("out");
        OpException noDir = assertThrows(OpException.class, () -> copy(src, noParent, true));
        assertTrue(noDir.getMessage().startsWith("openat(" + noParent + ") failed: ENOENT"), noDir.getMessage());

        assertEquals(before, OpenFds.list(), "the source opened before each failure was closed");
    }
}
