package dev.kio.runtime.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.kio.runtime.ring.FdLeakCheck;

/** One two-worker pool per test class, a fresh directory per test, and no descriptor left behind. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class FsTestBase {
    static FsPool fs;
    final Arena arena = Arena.ofAuto();
    Path dir;

    @BeforeAll
    static void startPool() throws Exception {
        fs = FsPool.start();
    }

    @AfterAll
    static void stopPool() {
        fs.close();
    }

    @BeforeEach
    void makeDir() throws Exception {
        dir = FsPool.scratchDir();
    }

    @AfterEach
    void removeDir() throws Exception {
        FsPool.deleteTree(dir);
    }

    MemorySegment bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return arena.allocate(b.length).copyFrom(MemorySegment.ofArray(b));
    }
}
