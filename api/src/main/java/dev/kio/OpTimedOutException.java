package dev.kio;

import java.time.Duration;

/** An operation whose own timeout fired before it completed; the kernel cancelled it. */
public final class OpTimedOutException extends OpException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public OpTimedOutException(int errno, String errnoName, String operation, String target, Duration timeout) {
        super(operation + "(" + target + ") timed out after " + timeout.toMillis() + " ms",
                errno, errnoName, operation, target);
        this.timeout = timeout;
    }

    /** The timeout that was attached to the operation. */
    public Duration timeout() {
        return timeout;
    }
}
