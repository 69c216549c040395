package dev.kio.runtime.fs;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/** One op on paths with no result beyond success: unlink, rmdir, mkdir, rename. */
final class PathTask extends Hop<Void> {
    static final int UNLINK = 0;
    static final int RMDIR = 1;
    static final int MKDIR = 2;
    static final int RENAME = 3;
    private static final FrameKind<PathTask> KIND = new FrameKind<>(16);

    private final PathBuffer pathBuffer = new PathBuffer();
    private final PathBuffer toBuffer = new PathBuffer();
    private Worker there;
    private int what;
    private String path;
    private String to;
    private int mode;
    private boolean submitted;

    static PathTask start(Worker there, int what, String path, String to, int mode) {
        PathTask t = KIND.idle();
        if (t == null) {
            t = KIND.adopt(new PathTask());
        }
        t.there = there;
        t.what = what;
        t.path = path;
        t.to = to;
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
            return await(op(ops()));
        }
        result();
        return false;
    }

    private Op op(Ops ops) {
        return switch (what) {
            case UNLINK -> ops.unlinkat(Ops.AT_FDCWD, pathBuffer.encode(path), 0).target(path);
            case RMDIR -> ops.unlinkat(Ops.AT_FDCWD, pathBuffer.encode(path), Ops.AT_REMOVEDIR).target(path);
            case MKDIR -> ops.mkdirat(Ops.AT_FDCWD, pathBuffer.encode(path), mode).target(path);
            default -> ops.renameat(Ops.AT_FDCWD, pathBuffer.encode(path), Ops.AT_FDCWD, toBuffer.encode(to), 0)
                    .target(path + " -> " + to);
        };
    }

    @Override
    protected void clear() {
        super.clear();
        there = null;
        path = null;
        to = null;
        submitted = false;
    }
}
