package dev.kio.runtime.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/** statx of a path ({@link FileManager#stat}) or of an open file ({@link KioFile#stat}). */
final class Stat extends Hop<FileStat> {
    /** statx flag: with an empty path, describe the directory fd itself (here: the open file). */
    static final int AT_EMPTY_PATH = 0x1000;
    private static final FrameKind<Stat> KIND = new FrameKind<>(16);

    /** The kernel writes here; like the path, it lives as long as the pooled frame. */
    private final MemorySegment statx = Arena.ofAuto().allocate(Ops.STATX_BYTES, 8);
    private final PathBuffer pathBuffer = new PathBuffer();
    private Worker there;
    private KioFile file;
    private String path;
    private boolean submitted;
    private FileStat stat;

    private static Stat take() {
        Stat t = KIND.idle();
        return t != null ? t : KIND.adopt(new Stat());
    }

    static Stat start(KioFile file) {
        Stat t = take();
        t.there = file.worker();
        t.file = file;
        return t;
    }

    static Stat start(Worker there, String path) {
        Stat t = take();
        t.there = there;
        t.path = path;
        return t;
    }

    @Override
    Worker there() {
        return there;
    }

    @Override
    boolean work() throws Throwable {
        if (!submitted) {
            submitted = true;
            if (file != null) {
                file.checkUsable("statx");
                return await(ops().statx(file.fd(), pathBuffer.encode(""), AT_EMPTY_PATH, FileStat.MASK, statx).target(file));
            }
            return await(ops().statx(Ops.AT_FDCWD, pathBuffer.encode(path), 0, FileStat.MASK, statx).target(path));
        }
        result();
        stat = FileStat.of(statx);
        return false;
    }

    @Override
    protected FileStat value() {
        return stat;
    }

    @Override
    protected void clear() {
        super.clear();
        there = null;
        file = null;
        path = null;
        submitted = false;
        stat = null;
    }
}
