package dev.kio.runtime.net;

import java.time.Duration;

import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.sys.Errno;

/**
 * An overall timeout over the ops of one transfer ({@link Transfer}, {@link SendFile}): each op
 * carries the time left as its link timeout, so the transfer ends by its deadline however many
 * ops it takes. Mutable, owned by its pooled frame.
 */
final class Deadline {
    /** The timeout, 0 for none. */
    private long timeoutNanos;
    /** When it runs out, on {@link System#nanoTime()}'s clock. */
    private long at;

    /** Starts counting {@code timeout} from now; null for no timeout. */
    void start(Duration timeout) {
        long nanos = timeout == null ? 0 : timeout.toNanos();
        if (timeout != null && nanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        timeoutNanos = nanos;
        at = System.nanoTime() + nanos;
    }

    /**
     * The time left for the next op, 0 when there is no timeout. Call it before making the op: an
     * op once made must be submitted.
     *
     * @throws OpTimedOutException (ETIMEDOUT) when the time is up, naming the transfer's progress
     */
    long left(String operation, Object target, long moved, long length) throws OpTimedOutException {
        if (timeoutNanos == 0) {
            return 0;
        }
        long left = at - System.nanoTime();
        if (left <= 0) {
            throw expired(operation, target, moved, length);
        }
        return left;
    }

    /** Whether a timeout was set. */
    boolean isSet() {
        return timeoutNanos > 0;
    }

    /** Whether a timeout was set and its time is up. */
    boolean passed() {
        return timeoutNanos > 0 && at - System.nanoTime() <= 0;
    }

    /** Gives {@code op} the time {@link #left} returned; nothing when that was 0 (no timeout). */
    static Op bound(Op op, long left) {
        return left > 0 ? op.timeout(left) : op;
    }

    /** The failure of a transfer whose op's link timeout, the time left, fired. */
    OpTimedOutException expired(String operation, Object target, long moved, long length) {
        return new OpTimedOutException(Errno.ETIMEDOUT, Errno.name(Errno.ETIMEDOUT), operation,
                target + " after " + moved + " of " + length + " bytes", Duration.ofNanos(timeoutNanos));
    }
}
