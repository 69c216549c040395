package dev.kio.runtime.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.kio.Task;
import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;

/**
 * An open that completes on the file's worker after the caller's worker began to stop: the file
 * cannot be handed back, so its descriptor is closed there rather than lost with the task.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StoppedCallerTest {

    @Test
    void aFileOpenedForACallerWhoseWorkerIsStoppingIsClosedNotLeaked() throws Exception {
        Path dir = FsPool.scratchDir();
        try {
            IoPool pool = IoPool.builder().workers(2).pin(false).stopGrace(Duration.ofSeconds(2))
                    .uncaughtExceptionHandler((w, t) -> { }).start();
            FileManager files = FileManager.of(pool);
            Path path = ownedByWorkerOne(files, dir);
            Files.createFile(path);
            CountDownLatch blocked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // Holds worker 1's thread, so the open queued there runs only once both workers are stopping.
            pool.worker(1).spawn(new Frame<Void>() {
                @Override
                protected void step() throws InterruptedException {
                    blocked.countDown();
                    release.await();
                    complete(null);
                }
            });
            blocked.await();
            pool.worker(0).spawn(new Frame<Void>() {
                private Task<KioFile> open;

                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        state = 1;
                        open = files.open(path, OpenFlags.RDONLY, 0);
                        if (await(open)) {
                            return;
                        }
                    }
                    resultOf(open);
                    complete(null);
                }
            });
            // Worker 0 runs this after the opener, whose step has then queued the open on worker 1.
            pool.worker(0).syncWait(new Frame<Void>() {
                @Override
                protected void step() {
                    complete(null);
                }
            });

            pool.stop();
            release.countDown();
            assertTrue(pool.awaitTermination(Duration.ofSeconds(10)), "the pool did not stop");

            assertEquals(List.of(), descriptorsOf(path), "descriptors left open on " + path);
        } finally {
            FsPool.deleteTree(dir);
        }
    }

    private static Path ownedByWorkerOne(FileManager files, Path dir) {
        for (int i = 0;; i++) {
            Path p = dir.resolve("f" + i);
            if (files.workerFor(p).index() == 1) {
                return p;
            }
        }
    }

    private static List<String> descriptorsOf(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            }).map(Path::toString).toList();
        }
    }
}
