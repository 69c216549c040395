package dev.kio.runtime.fs;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;

import dev.kio.Task;
import dev.kio.runtime.op.IoVecs;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * An open file: its descriptor, its canonical path, and the worker that owns it (the one its path
 * hashes to, see {@link FileManager}). Every operation on the file runs on that worker.
 *
 * <ul>
 * <li>The single reads and writes ({@link #read}, {@link #write}, {@link #readv}, {@link #writev})
 *     are {@link Op}s, created and awaited on the owning worker only: the hot path, with nothing
 *     between the caller and the ring. Called on another thread they throw.</li>
 * <li>Everything else is a {@link Task} that may be awaited from any worker: it moves to the
 *     owning worker, runs its op(s) there, and moves back before it finishes, so the awaiting flow
 *     continues on its own worker. Their frames are pooled per worker, so a steady stream of
 *     {@link #readFully} or {@link #writeFully} calls allocates nothing.</li>
 * </ul>
 *
 * Errors are {@link dev.kio.OpException}s naming the errno, the operation and this file (its path
 * and fd); the text is built only when an op fails. Not thread-safe beyond that: the file's state
 * (open or closed) is kept by its worker.
 */
public final class KioFile {
    /**
     * What buffer addresses, lengths and file positions must be multiples of for a file opened
     * with {@link OpenFlags#DIRECT}: the page size, which satisfies every device's logical block
     * size. Allocate such buffers with {@code arena.allocate(size, KioFile.DIRECT_ALIGNMENT)}.
     */
    public static final int DIRECT_ALIGNMENT = 4096;

    private final int fd;
    private final String path;
    private final Worker worker;
    private final boolean direct;
    private boolean closed;

    KioFile(int fd, String path, Worker worker, boolean direct) {
        this.fd = fd;
        this.path = path;
        this.worker = worker;
        this.direct = direct;
    }

    public int fd() {
        return fd;
    }

    /** The canonical (absolute, normalized) path the file was opened with. */
    public Path path() {
        return Path.of(path);
    }

    /** The worker every operation on this file runs on. */
    public Worker worker() {
        return worker;
    }

    /** Whether the file was opened with {@link OpenFlags#DIRECT}. */
    public boolean isDirect() {
        return direct;
    }

    /**
     * Reads up to {@code length} bytes at file {@code position} into {@code dst} at {@code offset}
     * ({@link Ops#read}): the count, possibly short, 0 at end of file. On the owning worker only.
     *
     * @param position a file position, or {@link Ops#CURRENT_POSITION} (pipes, FIFOs)
     */
    public Op read(MemorySegment dst, long offset, int length, long position) {
        checkUsable("read");
        checkDirect("read", dst, offset, length, position);
        return worker.ops().read(fd, dst, offset, length, position).target(this);
    }

    /** Writes up to {@code length} bytes of {@code src} from {@code offset} at file {@code position} ({@link Ops#write}). */
    public Op write(MemorySegment src, long offset, int length, long position) {
        checkUsable("write");
        checkDirect("write", src, offset, length, position);
        return worker.ops().write(fd, src, offset, length, position).target(this);
    }

    /** Reads into the buffers of {@code vecs} in order ({@link Ops#readv}). On the owning worker only. */
    public Op readv(IoVecs vecs, long position) {
        checkUsable("readv");
        checkDirect("readv", vecs, position);
        return worker.ops().readv(fd, vecs, position).target(this);
    }

    /** Writes the buffers of {@code vecs} in order ({@link Ops#writev}). On the owning worker only. */
    public Op writev(IoVecs vecs, long position) {
        checkUsable("writev");
        checkDirect("writev", vecs, position);
        return worker.ops().writev(fd, vecs, position).target(this);
    }

    /**
     * Reads exactly {@code length} bytes into {@code dst} at {@code offset}, looping over short
     * reads; fails with {@link java.io.EOFException} if the file ends first. From any worker.
     *
     * @param position where to start, or {@link Ops#CURRENT_POSITION}
     */
    public Task<Void> readFully(MemorySegment dst, long offset, int length, long position) {
        return Transfer.start(this, false, false, dst, offset, length, position);
    }

    /** Writes exactly {@code length} bytes of {@code src} from {@code offset}, looping over short writes. From any worker. */
    public Task<Void> writeFully(MemorySegment src, long offset, int length, long position) {
        return Transfer.start(this, true, false, src, offset, length, position);
    }

    /**
     * {@link #writeFully} made durable: each write is linked to an fsync ({@code IOSQE_IO_LINK},
     * one submission, no round trip between them), so the task finishes once the bytes and the
     * file's metadata are on the device. A write that fails ends the task with its error and the
     * kernel cancels the fsync; a short write cancels it too, and the rest goes in another
     * write-then-fsync chain. From any worker.
     */
    public Task<Void> writeAndSync(MemorySegment src, long offset, int length, long position) {
        return Transfer.start(this, true, true, src, offset, length, position);
    }

    /** Flushes data and metadata to the device, as fsync(2) ({@link Ops#fsync}). */
    public Task<Void> fsync() {
        return FileTask.start(this, FileTask.FSYNC, 0, 0, 0);
    }

    /** Flushes data and the metadata needed to read it back, as fdatasync(2) ({@link Ops#fdatasync}). */
    public Task<Void> fdatasync() {
        return FileTask.start(this, FileTask.FDATASYNC, 0, 0, 0);
    }

    /**
     * fallocate(2) ({@link Ops#fallocate}): mode 0 allocates {@code length} bytes from
     * {@code offset}, growing the file if needed; {@code FALLOC_FL_*} flags punch or zero ranges.
     */
    public Task<Void> fallocate(int mode, long offset, long length) {
        return FileTask.start(this, FileTask.FALLOCATE, mode, offset, length);
    }

    /**
     * Sets the file's size, as ftruncate(2) ({@link Ops#ftruncate}: in the ring from Linux 6.9,
     * a direct call on the owning worker before).
     */
    public Task<Void> truncate(long length) {
        return FileTask.start(this, FileTask.TRUNCATE, 0, length, 0);
    }

    /** Size, times and mode of the open file ({@link Ops#statx} on the descriptor). */
    public Task<FileStat> stat() {
        return Stat.start(this);
    }

    /**
     * Closes the descriptor. The file counts as closed from then on, even if the kernel reports an
     * error (the descriptor is released either way), so it is never closed twice.
     */
    public Task<Void> close() {
        return FileTask.start(this, FileTask.CLOSE, 0, 0, 0);
    }

    /** Marks the file closed; on its worker, before the close op is submitted. */
    void markClosed() {
        checkUsable("close");
        closed = true;
    }

    /** Refuses an operation off the owning worker or after close. */
    void checkUsable(String op) {
        Worker here = Worker.current();
        if (here != worker) {
            throw new IllegalStateException(op + " on " + this + " must run on its " + worker + ", not on "
                    + (here == null ? "thread " + Thread.currentThread().getName() : here.toString())
                    + ": await a task of this file (readFully, writeFully, ...), which moves there, or run on file.worker()");
        }
        if (closed) {
            throw new IllegalStateException(op + " on " + this + ": the file is closed");
        }
    }

    private void checkDirect(String op, MemorySegment segment, long offset, long length, long position) {
        if (direct) {
            Objects.requireNonNull(segment, "segment");
            checkAligned(op, "buffer address", segment.address() + offset);
            checkAligned(op, "length", length);
            checkPosition(op, position);
        }
    }

    private void checkDirect(String op, IoVecs vecs, long position) {
        if (direct) {
            for (int i = 0; i < vecs.count(); i++) {
                checkAligned(op, "iovec " + i + " address", vecs.address(i));
                checkAligned(op, "iovec " + i + " length", vecs.length(i));
            }
            checkPosition(op, position);
        }
    }

    private void checkPosition(String op, long position) {
        if (position != Ops.CURRENT_POSITION) {
            checkAligned(op, "file position", position);
        }
    }

    private void checkAligned(String op, String what, long value) {
        if (value % DIRECT_ALIGNMENT != 0) {
            throw new IllegalArgumentException(op + " on " + this + " (opened with O_DIRECT): " + what + " "
                    + value + " is not a multiple of " + DIRECT_ALIGNMENT
                    + "; allocate buffers with arena.allocate(size, KioFile.DIRECT_ALIGNMENT) and use aligned lengths and positions");
        }
    }

    /** How errors name the file: its path and descriptor. */
    @Override
    public String toString() {
        return path + " (fd " + fd + ")";
    }
}
