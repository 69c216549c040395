package dev.kio.runtime.net;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.FrameKind;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@link Conn#sendFile}: file bytes to the socket without passing through user memory, a chunk at
 * a time, file to a pipe and pipe to the socket, each an {@code IORING_OP_SPLICE}. The two splices
 * of a chunk are awaited one after the other rather than linked: the first may move fewer bytes
 * than asked (or none, at the end of the file), and the second must ask for exactly what the pipe
 * holds, or it would wait for bytes that never come.
 *
 * <p>The pipe is this call's own, made at the start and closed at the end whatever happens (the
 * peer resets, the file ends early, the op is cancelled), so nothing is left in it for another
 * transfer and no descriptor outlives the task.
 *
 * <p>The kernel runs a splice in an io-wq thread, where a socket whose peer stops reading blocks
 * it, and neither a link timeout nor a cancel interrupts it there (6.18 leaves it waiting for
 * socket memory). So an overall timeout is a watchdog instead: a timer linked to a shutdown of
 * the socket's sending half, armed with the transfer and cancelled when it ends. When it fires,
 * the blocked splice fails with EPIPE, reported as the timeout it stands for.
 */
final class SendFile extends Frame<Void> {
    private static final FrameKind<SendFile> KIND = new FrameKind<>(64);
    /** What one file-to-pipe splice asks for: a default pipe's capacity (16 pages). */
    private static final int CHUNK = 64 << 10;
    private static final int O_CLOEXEC = 0x80000;
    /** How long to wait before retrying a splice that found a non-blocking descriptor without data or room. */
    private static final long EAGAIN_RETRY_NANOS = 1_000_000;
    private static final int FILL = 1;
    private static final int DRAIN = 2;
    private static final int FILL_AFTER_PAUSE = 3;
    private static final int DRAIN_AFTER_PAUSE = 4;
    /** The watchdog's chain reports to nobody: the transfer learns of it through its blocked splice. */
    private static final OpWaiter UNWATCHED = op -> { };

    /** pipe2(2)'s two descriptors, written by the call: owned by this pooled frame. */
    private final MemorySegment pipeFds = Arena.ofAuto().allocate(8, 4);
    private Conn conn;
    private int fileFd;
    /** What the file-side splice names in errors: the file, or {@link #fdName}. */
    private Object file;
    /**
     * Names a bare descriptor as {@code fd N} in errors: a splice's own fd is the one it writes to
     * (the pipe), so the file side needs a target. Owned by this pooled frame; text made on failure.
     */
    private final Object fdName = new Object() {
        @Override
        public String toString() {
            return "fd " + fileFd;
        }
    };
    private long position;
    private long length;
    private final Deadline deadline = new Deadline();
    private long sent;
    /** The armed watchdog's timer, whose token cancels the timer and the shutdown linked to it; 0 for none. */
    private long watchdog;
    private int inPipe;
    private int pipeRead = -1;
    private int pipeWrite = -1;

    static SendFile start(Conn conn, int fileFd, Object file, long position, long length, Duration timeout) {
        if (position < 0 || length < 0) {
            throw new IllegalArgumentException("sendFile of " + length + " bytes at position " + position
                    + " on " + conn + ": both must not be negative");
        }
        SendFile s = KIND.idle();
        if (s == null) {
            s = KIND.adopt(new SendFile());
        }
        s.deadline.start(timeout);
        s.conn = conn;
        s.fileFd = fileFd;
        s.file = file != null ? file : s.fdName;
        s.position = position;
        s.length = length;
        return s;
    }

    @Override
    protected void step() throws Throwable {
        try {
            switch (state) {
                case 0 -> {
                    if (length == 0) {
                        done();
                        return;
                    }
                    int rc = Native.pipe(pipeFds, O_CLOEXEC);
                    Sockets.check(rc, "pipe2", "sendFile on " + conn);
                    pipeRead = pipeFds.get(JAVA_INT, 0);
                    pipeWrite = pipeFds.get(JAVA_INT, 4);
                    if (deadline.isSet()) {
                        armWatchdog();
                    }
                    fill();
                }
                case FILL -> {
                    if (pausedAfterEagain(FILL_AFTER_PAUSE)) {
                        return;
                    }
                    inPipe = result();
                    if (inPipe == 0) {
                        throw new EOFException("sendFile on " + conn + ": " + file
                                + " ended after " + sent + " of " + length + " bytes from position " + position);
                    }
                    drain();
                }
                case DRAIN -> {
                    if (pausedAfterEagain(DRAIN_AFTER_PAUSE)) {
                        return;
                    }
                    int n = result();
                    if (n == 0) {
                        throw new EOFException("sendFile on " + conn + " made no progress after " + sent + " of "
                                + length + " bytes");
                    }
                    inPipe -= n;
                    sent += n;
                    if (inPipe > 0) {
                        drain();
                    } else if (sent < length) {
                        fill();
                    } else {
                        closePipe();
                        done();
                    }
                }
                case FILL_AFTER_PAUSE -> {
                    result();
                    fill();
                }
                default -> {
                    result();
                    drain();
                }
            }
        } catch (OpException e) {
            closePipe();
            throw e.errno() == Errno.EPIPE && deadline.passed() ? deadline.expired("sendFile", conn, sent, length) : e;
        } catch (Throwable t) {
            closePipe();
            throw t;
        }
    }

    private void armWatchdog() throws OpTimedOutException {
        Ops ops = conn.ops("sendFile");
        Op timer = ops.sleep(deadline.left("sendFile", conn, sent, length));
        watchdog = timer.token();
        ops.table().submit(timer.link(ops.shutdown(conn.fd(), Sockets.SHUT_WR).target(conn)), UNWATCHED);
    }

    /** File to pipe: at most a pipe's worth, from where the last chunk ended; the pipe is empty. */
    private void fill() throws OpTimedOutException {
        int chunk = (int) Math.min(length - sent, CHUNK);
        deadline.left("sendFile", conn, sent, length);
        state = FILL;
        await(conn.ops("sendFile").splice(fileFd, position + sent, pipeWrite, Ops.CURRENT_POSITION, chunk,
                Ops.SPLICE_F_MOVE).target(file));
    }

    /** Pipe to socket: exactly what the pipe holds, flagged "more" unless it is the end of the transfer. */
    private void drain() throws OpTimedOutException {
        int more = sent + inPipe < length ? Ops.SPLICE_F_MORE : 0;
        deadline.left("sendFile", conn, sent, length);
        state = DRAIN;
        await(conn.ops("sendFile").splice(pipeRead, Ops.CURRENT_POSITION, conn.fd(), Ops.CURRENT_POSITION, inPipe,
                Ops.SPLICE_F_MOVE | more).target(conn));
    }

    /**
     * EAGAIN comes only from a descriptor its owner made non-blocking, which io_uring does not poll
     * for a splice: wait a moment and try again rather than spin.
     */
    private boolean pausedAfterEagain(int next) {
        if (outcome() != Outcome.FAILED || rawResult() != -Errno.EAGAIN) {
            return false;
        }
        state = next;
        return await(ops().sleep(EAGAIN_RETRY_NANOS));
    }

    /** Ends what the transfer holds: the watchdog (harmless if it already fired) and the pipe. */
    private void closePipe() {
        if (watchdog != 0) {
            worker().cancel(watchdog);
            watchdog = 0;
        }
        if (pipeRead >= 0) {
            Native.close(pipeRead);
            Native.close(pipeWrite);
            pipeRead = -1;
            pipeWrite = -1;
        }
    }

    @Override
    protected void clear() {
        conn = null;
        file = null;
        sent = 0;
        inPipe = 0;
    }
}
