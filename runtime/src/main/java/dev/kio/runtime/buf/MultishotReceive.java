package dev.kio.runtime.buf;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.sys.Errno;

/**
 * A multishot receive on one socket ({@link Ops#recvMultishot}) kept armed: every chunk the
 * kernel receives reaches {@link Handler#onData} in order, in a buffer of the group, until end of
 * stream, an error or {@link #stop()}. Confined to the worker thread; allocates nothing per chunk.
 *
 * <p><b>Back-pressure.</b> When the handler holds every buffer of the group the kernel ends the
 * receive with ENOBUFS, leaving the unread data in the socket. The receive is then re-armed only
 * when a buffer is back in the ring (at once if one came back meanwhile), never by retrying on
 * an empty ring, so a slow consumer costs no CPU and loses or reorders no byte: only one receive
 * is armed on the socket at a time, and each re-arm continues where the kernel stopped. A
 * receive the kernel ended with data (it does so when the completion queue overflows) is
 * re-armed at once.
 */
public final class MultishotReceive implements OpWaiter {
    /** ENOBUFS: the group had no buffer for the data that arrived. */
    public static final int ENOBUFS = 105;

    /**
     * Receives the data and the end of one receive, on the worker thread, from inside the
     * worker's completion loop: like an {@link OpWaiter} it must not block or throw.
     */
    public interface Handler {
        /** A chunk of the stream, {@link Buffer#length()} bytes, now held by the handler until it releases it. */
        void onData(Buffer data);

        /**
         * The receive is over, exactly once: 0 at end of stream, {@code -ECANCELED} after
         * {@link #stop()} or a worker stop, else the kernel's {@code -errno}.
         */
        void onEnd(int result);
    }

    private final Ops ops;
    private final int fd;
    private final ProvidedBuffers group;
    private final Handler handler;
    private long token;
    private boolean armed;
    private boolean starved;
    private boolean stopped;
    private boolean ended;
    private long starvations;
    private long arms;
    MultishotReceive nextStarved;

    private MultishotReceive(Ops ops, int fd, ProvidedBuffers group, Handler handler) {
        this.ops = ops;
        this.fd = fd;
        this.group = group;
        this.handler = handler;
    }

    /** Arms a multishot receive on socket {@code fd} into {@code group}'s buffers, on the calling worker. */
    public static MultishotReceive start(Ops ops, int fd, ProvidedBuffers group, Handler handler) {
        MultishotReceive r = new MultishotReceive(ops, fd, group, handler);
        r.arm();
        return r;
    }

    private void arm() {
        Op op = ops.recvMultishot(fd, group);
        token = op.token();
        armed = true;
        arms++;
        ops.table().submit(op, this);
    }

    @Override
    public void onComplete(Op op) {
        int res = op.result();
        Buffer data = group.received(op);
        if (data != null) {
            if (res > 0) {
                handler.onData(data);
            } else {
                data.release();
            }
        }
        if (op.hasMore()) {
            return;
        }
        armed = false;
        if (stopped) {
            end(res == 0 ? 0 : -Errno.ECANCELED);
        } else if (res > 0) {
            arm();
        } else if (res == -ENOBUFS) {
            starvations++;
            if (group.inRing() > 0) {
                arm();
            } else {
                starved = true;
                group.starve(this);
            }
        } else {
            end(res);
        }
    }

    /** A buffer came back to the starved group: continue where the kernel stopped. */
    void fed() {
        starved = false;
        arm();
    }

    /**
     * Stops receiving: the armed receive is cancelled and {@link Handler#onEnd} follows with
     * {@code -ECANCELED} once its last completion is in (at once if it was waiting for buffers).
     * Data that completes before the cancel still reaches {@link Handler#onData}.
     */
    public void stop() {
        if (stopped || ended) {
            return;
        }
        stopped = true;
        if (armed) {
            ops.table().cancel(token);
        } else if (starved && group.unstarve(this)) {
            starved = false;
            end(-Errno.ECANCELED);
        }
    }

    private void end(int result) {
        ended = true;
        handler.onEnd(result);
    }

    /** Whether the receive is over ({@link Handler#onEnd} was called). */
    public boolean isEnded() {
        return ended;
    }

    /** Whether it is waiting for a buffer to come back to the group. */
    public boolean isStarved() {
        return starved;
    }

    /** How many receive SQEs it has submitted: the first, and one per re-arm. */
    public long arms() {
        return arms;
    }

    /** How many times the kernel ended it with ENOBUFS. */
    public long starvations() {
        return starvations;
    }
}
