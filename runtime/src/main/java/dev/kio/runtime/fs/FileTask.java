package dev.kio.runtime.fs;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.FrameKind;
import dev.kio.runtime.worker.Worker;

/** One op on an open file, with no result beyond success: fsync, fdatasync, fallocate, ftruncate, close. */
final class FileTask extends Hop<Void> {
    static final int FSYNC = 0;
    static final int FDATASYNC = 1;
    static final int FALLOCATE = 2;
    static final int TRUNCATE = 3;
    static final int CLOSE = 4;
    private static final String[] NAMES = {"fsync", "fdatasync", "fallocate", "ftruncate"};
    private static final FrameKind<FileTask> KIND = new FrameKind<>(64);

    private KioFile file;
    private int what;
    private int mode;
    private long offset;
    private long length;
    private boolean submitted;

    static FileTask start(KioFile file, int what, int mode, long offset, long length) {
        FileTask t = KIND.idle();
        if (t == null) {
            t = KIND.adopt(new FileTask());
        }
        t.file = file;
        t.what = what;
        t.mode = mode;
        t.offset = offset;
        t.length = length;
        return t;
    }

    @Override
    Worker there() {
        return file.worker();
    }

    @Override
    boolean work() throws Throwable {
        if (!submitted) {
            submitted = true;
            // A ready op (ftruncate without the opcode) completes inline: read its result right away.
            if (await(op(ops()).target(file))) {
                return true;
            }
        }
        result();
        return false;
    }

    private Op op(Ops ops) {
        int fd = file.fd();
        if (what == CLOSE) {
            file.markClosed();
            return ops.close(fd);
        }
        file.checkUsable(NAMES[what]);
        return switch (what) {
            case FSYNC -> ops.fsync(fd);
            case FDATASYNC -> ops.fdatasync(fd);
            case FALLOCATE -> ops.fallocate(fd, mode, offset, length);
            default -> ops.ftruncate(fd, offset);
        };
    }

    @Override
    protected void clear() {
        super.clear();
        file = null;
        submitted = false;
    }
}
