package dev.kio.runtime.fs;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/** {@link FileManager#open}: openat on the path's worker, which then owns the file. */
final class Open extends Hop<KioFile> {
    private static final FrameKind<Open> KIND = new FrameKind<>(Open::new, 16);

    private final PathBuffer pathBuffer = new PathBuffer();
    private Worker there;
    private String path;
    private int flags;
    private int mode;
    private boolean submitted;
    private KioFile file;

    static Open start(Worker there, String path, int flags, int mode) {
        Open t = KIND.acquire();
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
        if (!submitted) {
            submitted = true;
            return await(ops().openat(Ops.AT_FDCWD, pathBuffer.encode(path), flags, mode).target(path));
        }
        file = new KioFile(result(), path, there, (flags & OpenFlags.DIRECT) != 0);
        return false;
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
        submitted = false;
        file = null;
    }
}
