package dev.kio.runtime.fs;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;

import dev.kio.Task;
import dev.kio.runtime.buf.Buffer;
import dev.kio.runtime.op.IoVecs;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
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
     * The page size: a multiple of every alignment a file opened with {@link OpenFlags#DIRECT} can
     * ask for, so buffers from {@code arena.allocate(size, KioFile.DIRECT_ALIGNMENT)}, with lengths
     * and positions that are multiples of it, suit any such file. Also the offset alignment
     * assumed when the kernel does not report one (see {@link #directOffsetAlignment()}).
     */
    public static final int DIRECT_ALIGNMENT = 4096;
    /** The memory alignment assumed for O_DIRECT when the kernel does not report one: a sector. */
    public static final int FALLBACK_MEMORY_ALIGNMENT = 512;

    private final int fd;
    private final String path;
    private final Worker worker;
    private final int memoryAlignment;
    private final int offsetAlignment;
    private boolean closed;

    /** {@code memoryAlignment} and {@code offsetAlignment} are 0 for a file opened without O_DIRECT. */
    KioFile(int fd, String path, Worker worker, int memoryAlignment, int offsetAlignment) {
        this.fd = fd;
        this.path = path;
        this.worker = worker;
        this.memoryAlignment = memoryAlignment;
        this.offsetAlignment = offsetAlignment;
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
        return offsetAlignment > 0;
    }

    /**
     * What buffer addresses must be multiples of for this O_DIRECT file, as statx(2) reports it
     * ({@code STATX_DIOALIGN}, Linux 6.1; 512 on ext4 over most disks), or
     * {@link #FALLBACK_MEMORY_ALIGNMENT} when the kernel does not say; 0 without O_DIRECT. Buffers
     * of {@code Worker.buffers()} start on page boundaries and suit any file when their size is a
     * multiple of 4096 (see {@link dev.kio.runtime.buf.BufferPool#acquireAligned}).
     */
    public int directMemoryAlignment() {
        return memoryAlignment;
    }

    /**
     * What lengths and file positions must be multiples of for this O_DIRECT file, as statx(2)
     * reports it ({@code STATX_DIOALIGN}: the logical block size), or {@link #DIRECT_ALIGNMENT}
     * when the kernel does not say; 0 without O_DIRECT.
     */
    public int directOffsetAlignment() {
        return offsetAlignment;
    }

    /**
     * Reads up to {@code length} bytes at file {@code position} into {@code dst} at {@code offset}
     * ({@link Ops#read}): the count, possibly short, 0 at end of file. On the owning worker only.
     *
     * @param position a file position, or {@link Ops#CURRENT_POSITION} (pipes, FIFOs)
     */
    public Op read(MemorySegment dst, long offset, int length, long position) {
        checkUsable("read");
        String misaligned = misaligned(dst, offset, length, position);
        return misaligned != null ? refused(Opcode.READ, misaligned)
                : worker.ops().read(fd, dst, offset, length, position).target(this);
    }

    /** Writes up to {@code length} bytes of {@code src} from {@code offset} at file {@code position} ({@link Ops#write}). */
    public Op write(MemorySegment src, long offset, int length, long position) {
        checkUsable("write");
        String misaligned = misaligned(src, offset, length, position);
        return misaligned != null ? refused(Opcode.WRITE, misaligned)
                : worker.ops().write(fd, src, offset, length, position).target(this);
    }

    /**
     * {@link #read(MemorySegment, long, int, long)} into a pooled buffer: {@code READ_FIXED} when it
     * is registered with this worker's ring; the buffer stays lent until the op's completion.
     */
    public Op read(Buffer dst, int offset, int length, long position) {
        checkUsable("read");
        String misaligned = misaligned(dst.segment(), offset, length, position);
        return misaligned != null ? refused(Opcode.READ, misaligned)
                : worker.ops().read(fd, dst, offset, length, position).target(this);
    }

    /** {@link #write(MemorySegment, long, int, long)} from a pooled buffer ({@code WRITE_FIXED} when registered). */
    public Op write(Buffer src, int offset, int length, long position) {
        checkUsable("write");
        String misaligned = misaligned(src.segment(), offset, length, position);
        return misaligned != null ? refused(Opcode.WRITE, misaligned)
                : worker.ops().write(fd, src, offset, length, position).target(this);
    }

    /** Reads into the buffers of {@code vecs} in order ({@link Ops#readv}). On the owning worker only. */
    public Op readv(IoVecs vecs, long position) {
        checkUsable("readv");
        String misaligned = misaligned(vecs, position);
        return misaligned != null ? refused(Opcode.READV, misaligned) : worker.ops().readv(fd, vecs, position).target(this);
    }

    /** Writes the buffers of {@code vecs} in order ({@link Ops#writev}). On the owning worker only. */
    public Op writev(IoVecs vecs, long position) {
        checkUsable("writev");
        String misaligned = misaligned(vecs, position);
        return misaligned != null ? refused(Opcode.WRITEV, misaligned) : worker.ops().writev(fd, vecs, position).target(this);
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

    /** Closes the descriptor of a file nobody got to hold (its opener's worker stopped); from any thread. */
    void closeAbandoned() {
        closed = true;
        Native.close(fd);
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

    /**
     * An op that fails with EINVAL without reaching the kernel (which would answer the same), its
     * message naming the operation, this file and the alignment broken.
     */
    private Op refused(int opcode, String misaligned) {
        return worker.ops().ready(-Errno.EINVAL, opcode).target(this + ", opened with O_DIRECT: " + misaligned);
    }

    /** Why a transfer breaks this O_DIRECT file's alignment, or null when it keeps it (or the file is not O_DIRECT). */
    private String misaligned(MemorySegment segment, long offset, long length, long position) {
        Objects.requireNonNull(segment, "segment");
        if (!isDirect()) {
            return null;
        }
        String why = misaligned("buffer address", segment.address() + offset, memoryAlignment);
        if (why == null) {
            why = misaligned("length", length, offsetAlignment);
        }
        return why != null ? why : misalignedPosition(position);
    }

    private String misaligned(IoVecs vecs, long position) {
        if (!isDirect()) {
            return null;
        }
        for (int i = 0; i < vecs.count(); i++) {
            String why = misaligned("iovec " + i + " address", vecs.address(i), memoryAlignment);
            if (why == null) {
                why = misaligned("iovec " + i + " length", vecs.length(i), offsetAlignment);
            }
            if (why != null) {
                return why;
            }
        }
        return misalignedPosition(position);
    }

    private String misalignedPosition(long position) {
        return position == Ops.CURRENT_POSITION ? null : misaligned("file position", position, offsetAlignment);
    }

    private static String misaligned(String what, long value, int alignment) {
        return value % alignment == 0 ? null : what + " " + value + " is not a multiple of " + alignment
                + " (use buffers from Worker.buffers().acquireAligned(" + alignment + ") or arena.allocate(size, "
                + alignment + "), and multiples of directOffsetAlignment() for lengths and positions)";
    }

    /** How errors name the file: its path and descriptor. */
    @Override
    public String toString() {
        return path + " (fd " + fd + ")";
    }
}
