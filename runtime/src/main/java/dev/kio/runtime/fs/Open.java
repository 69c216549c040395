package dev.kio.runtime.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@link FileManager#open}: openat on the path's worker, which then owns the file. An
 * {@link OpenFlags#DIRECT} file is then asked for its direct-I/O alignment (statx
 * {@code STATX_DIOALIGN}, 6.1).
 */
final class Open extends Hop<KioFile> {
    private static final FrameKind<Open> KIND = new FrameKind<>(16);
    /** {@code STATX_DIOALIGN}: {@code stx_dio_mem_align} and {@code stx_dio_offset_align}. */
    private static final int STATX_DIOALIGN = 0x2000;
    private static final long STX_MASK = 0;
    private static final long STX_DIO_MEM_ALIGN = 152;
    private static final long STX_DIO_OFFSET_ALIGN = 156;

    private final PathBuffer pathBuffer = new PathBuffer();
    /** The kernel writes here for direct opens; lives as long as the pooled frame. */
    private MemorySegment statx;
    private Worker there;
    private String path;
    private int flags;
    private int mode;
    private int step;
    private int fd;
    private KioFile file;

    static Open start(Worker there, String path, int flags, int mode) {
        Open t = KIND.idle();
        if (t == null) {
            t = KIND.adopt(new Open());
        }
        t.there = there;
        t.path = path;
        t.flags = flags | OpenFlags.CLOEXEC;
        t.mode = mode;
        return t;
    }

    @Override
    Worker there() {
        return there;
    }

    @Override
    boolean work() throws Throwable {
        switch (step++) {
            case 0 -> {
                return await(ops().openat(Ops.AT_FDCWD, pathBuffer.encode(path), flags, mode).target(path));
            }
            case 1 -> {
                fd = result();
                if ((flags & OpenFlags.DIRECT) == 0) {
                    file = new KioFile(fd, path, there, 0, 0);
                    return false;
                }
                if (statx == null) {
                    statx = Arena.ofAuto().allocate(Ops.STATX_BYTES, 8);
                }
                return await(ops().statx(fd, pathBuffer.encode(""), Stat.AT_EMPTY_PATH, STATX_DIOALIGN, statx));
            }
            default -> {
                // A kernel before 6.1, or a file that does not report it: the documented fallback.
                boolean known = outcome() == Outcome.OK && (statx.get(JAVA_INT, STX_MASK) & STATX_DIOALIGN) != 0
                        && statx.get(JAVA_INT, STX_DIO_MEM_ALIGN) > 0 && statx.get(JAVA_INT, STX_DIO_OFFSET_ALIGN) > 0;
                file = new KioFile(fd, path, there,
                        known ? statx.get(JAVA_INT, STX_DIO_MEM_ALIGN) : KioFile.FALLBACK_MEMORY_ALIGNMENT,
                        known ? statx.get(JAVA_INT, STX_DIO_OFFSET_ALIGN) : KioFile.DIRECT_ALIGNMENT);
                return false;
            }
        }
    }

    @Override
    void abandon() {
        if (file != null) {
            file.closeAbandoned();
            file = null;
        }
    }

    @Override
    protected KioFile value() {
        return file;
    }

    @Override
    protected void clear() {
        super.clear();
        there = null;
        path = null;
        step = 0;
        file = null;
    }
}
