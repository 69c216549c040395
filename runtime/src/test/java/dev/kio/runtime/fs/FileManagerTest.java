package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Worker;

/**
 * FileManager's affinity: one canonical path, one worker; tasks move there and back so the
 * awaiting flow continues on its own worker (FsPool.AwaitTask checks that on every await in these
 * tests); and a steady stream of readFully calls across workers allocates nothing.
 */
class FileManagerTest extends FsTestBase {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aPathMapsToOneWorkerWhateverItsSpellingAndItsFileStaysThere() throws Exception {
        Path path = dir.resolve("same");
        Worker owner = fs.files.workerFor(path);
        assertSame(owner, fs.files.workerFor(dir.resolve("x/../same")));
        assertSame(owner, fs.files.workerFor(dir.resolve("./same")));
        KioFile first = fs.open(dir.resolve("x/../same"), OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        KioFile second = fs.await(owner, () -> fs.files.open(path, OpenFlags.RDONLY, 0));
        try {
            assertSame(owner, first.worker());
            assertSame(owner, second.worker());
            assertEquals(path, first.path());
        } finally {
            fs.close(first);
            fs.close(second);
        }
    }

    @Test
    void differentPathsSpreadOverTheWorkers() {
        Set<Worker> seen = new HashSet<>();
        for (int i = 0; i < 64 && seen.size() < fs.pool.size(); i++) {
            seen.add(fs.files.workerFor(dir.resolve("f" + i)));
        }
        assertEquals(fs.pool.size(), seen.size(), "64 paths all landed on " + seen);
    }

    /** Records the thread that runs it: a probe sent along with a file task's moves. */
    static final class ThreadOf extends Frame<Thread> {
        @Override
        protected void step() {
            complete(Thread.currentThread());
        }
    }

    @Test
    void everyOperationRunsOnTheOwnersThreadWhileTheCallerStaysOnItsOwn() throws Exception {
        Path path = dir.resolve("affine");
        Worker owner = fs.files.workerFor(path);
        Worker caller = fs.notOwning(path);
        assertNotSame(owner, caller);
        Thread ownerThread = owner.syncWait(new ThreadOf());
        Thread callerThread = caller.syncWait(new ThreadOf());

        KioFile file = fs.await(caller, () -> fs.files.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644));
        try {
            MemorySegment buf = bytes("affinity");
            // The single ops check the calling worker: had readFully not moved to the owner, it would throw here.
            fs.await(caller, () -> file.writeFully(buf, 0, 8, 0));
            fs.await(caller, () -> file.readFully(buf, 0, 8, 0));
            assertEquals(8, fs.await(caller, file::stat).size());
            assertThrows(IllegalStateException.class, () -> fs.awaitOp(caller, () -> file.read(buf, 0, 8, 0)));
            assertEquals(8, fs.awaitOp(owner, () -> file.read(buf, 0, 8, 0)));
            assertNotSame(ownerThread, callerThread);
            assertSame(ownerThread, owner.syncWait(new ThreadOf()), "the owner is one pinned thread");
        } finally {
            fs.close(file);
        }
    }

    /** Runs {@code count} readFully calls from this worker on a file owned by another; returns the bytes this thread allocated. */
    static final class ReadLoop extends Frame<Long> {
        private final KioFile file;
        private final MemorySegment buf;
        private final int count;
        private int done;
        private long before;
        private dev.kio.Task<Void> read;

        ReadLoop(KioFile file, MemorySegment buf, int count) {
            this.file = file;
            this.buf = buf;
            this.count = count;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                before = THREADS.getCurrentThreadAllocatedBytes();
                state = 1;
            }
            while (done < count) {
                if (read == null) {
                    read = file.readFully(buf, 0, (int) buf.byteSize(), 0);
                    if (await(read)) {
                        return;
                    }
                }
                resultOf(read);
                read = null;
                done++;
            }
            complete(THREADS.getCurrentThreadAllocatedBytes() - before);
        }
    }

    @Test
    void readFullyFromAnotherWorkerAllocatesNothingOnceWarm() throws Exception {
        Path path = dir.resolve("steady");
        Worker owner = fs.files.workerFor(path);
        Worker caller = fs.notOwning(path);
        KioFile file = fs.open(path, OpenFlags.RDWR | OpenFlags.CREAT, 0644);
        try {
            MemorySegment buf = arena.allocate(512);
            fs.await(caller, () -> file.writeFully(buf, 0, 512, 0));
            long ownerThread = owner.syncWait(new ThreadOf()).threadId();
            for (int warm = 0; warm < 3; warm++) {
                caller.syncWait(new ReadLoop(file, buf, 20_000));
            }
            int reads = 20_000;
            long ownerBefore = THREADS.getThreadAllocatedBytes(ownerThread);
            long callerAllocated = caller.syncWait(new ReadLoop(file, buf, reads));
            long ownerAllocated = THREADS.getThreadAllocatedBytes(ownerThread) - ownerBefore;
            assertTrue(callerAllocated < reads, "caller allocated " + callerAllocated + " bytes over " + reads + " reads");
            assertTrue(ownerAllocated < reads, "owner allocated " + ownerAllocated + " bytes over " + reads + " reads");
        } finally {
            fs.close(file);
        }
    }
}
