package dev.kio.runtime.fs;

import java.nio.file.Path;
import java.util.Objects;

import dev.kio.Task;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * File affinity for a pool: a file's canonical path hashes to one worker, and every operation on
 * that path, or on the {@link KioFile} opened from it, runs on that worker. Operations on one file
 * therefore never run on two threads at once and share one worker's ring, page-cache locality and
 * io-wq threads; different files spread over the pool.
 *
 * <p>Every method returns a lazy {@link Task} that may be awaited from any worker: it moves to the
 * path's worker, runs the operation there, and moves back to the worker it started on before it
 * finishes, so the awaiting flow continues where it was. Errors are
 * {@link dev.kio.OpException}s naming the errno, the operation and the canonical path, e.g.
 * {@code openat(/data/missing) failed: ENOENT (No such file or directory)}.
 *
 * <p>The canonical path is {@link Path#toAbsolutePath()}, then {@link Path#normalize()}: computed
 * without touching the file system (the file may not exist yet, and a worker must not block), so
 * {@code a/../b} and {@code b} are one file, while two paths that reach one file through a
 * symbolic link are not. A {@code FileManager} holds nothing but its pool: {@link #of} is cheap,
 * and two of one pool route every path alike.
 */
public final class FileManager {
    private final IoPool pool;

    private FileManager(IoPool pool) {
        this.pool = pool;
    }

    public static FileManager of(IoPool pool) {
        return new FileManager(Objects.requireNonNull(pool, "pool"));
    }

    /** The worker that runs every operation on {@code path}. */
    public Worker workerFor(Path path) {
        return pool.workerFor(canonical(path));
    }

    /**
     * Opens {@code path} with {@link OpenFlags} and, when creating, permission bits {@code mode}
     * (e.g. {@code 0644}, less the umask). The file's operations all run on its path's worker.
     */
    public Task<KioFile> open(Path path, int flags, int mode) {
        String p = canonical(path);
        return Open.start(pool.workerFor(p), p, flags, mode);
    }

    /** Size, times and mode of {@code path}, following symbolic links. */
    public Task<FileStat> stat(Path path) {
        String p = canonical(path);
        return Stat.start(pool.workerFor(p), p);
    }

    /** Removes the file {@code path} (EISDIR for a directory: see {@link #rmdir}). */
    public Task<Void> unlink(Path path) {
        return pathTask(PathTask.UNLINK, path, null, 0);
    }

    /** Removes the empty directory {@code path}. */
    public Task<Void> rmdir(Path path) {
        return pathTask(PathTask.RMDIR, path, null, 0);
    }

    /** Creates the directory {@code path} with permission bits {@code mode}, less the umask. */
    public Task<Void> mkdir(Path path, int mode) {
        return pathTask(PathTask.MKDIR, path, null, mode);
    }

    /**
     * Moves {@code from} to {@code to}, replacing {@code to} if it exists; runs on {@code from}'s
     * worker. A file already open keeps its worker (its descriptor does not change).
     */
    public Task<Void> rename(Path from, Path to) {
        return pathTask(PathTask.RENAME, from, canonical(to), 0);
    }

    private Task<Void> pathTask(int what, Path path, String to, int mode) {
        String p = canonical(path);
        return PathTask.start(pool.workerFor(p), what, p, to, mode);
    }

    private static String canonical(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }
}
