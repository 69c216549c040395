package dev.kio.runtime.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** What worker tests observe of the process: open fds, live worker threads, pipes. */
final class Probes {
    private Probes() {
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long liveWorkerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("kio-worker-"))
                .count();
    }

    /** A pipe as {read fd, write fd}. */
    static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = Native.pipe(fds, 0x80000 /* O_CLOEXEC */);
            if (rc < 0) {
                throw new IllegalStateException("pipe2: " + Errno.name(-rc));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    static void close(int... fds) {
        for (int fd : fds) {
            Native.close(fd);
        }
    }
}
