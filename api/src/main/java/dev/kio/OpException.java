package dev.kio;

import java.io.IOException;

/**
 * An I/O operation that the kernel completed with an error.
 *
 * <p>The message names the operation, its target and the errno, for example
 * {@code "read(fd 7) failed: EBADF (Bad file descriptor)"}.
 */
public class OpException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String errnoName;
    private final String operation;
    private final String target;

    public OpException(int errno, String errnoName, String description, String operation, String target) {
        this(operation + "(" + target + ") failed: " + errnoName + " (" + description + ")",
                errno, errnoName, operation, target);
    }

    /** For subclasses that word the message themselves. */
    protected OpException(String message, int errno, String errnoName, String operation, String target) {
        super(message);
        this.errno = errno;
        this.errnoName = errnoName;
        this.operation = operation;
        this.target = target;
    }

    /** The positive errno value, e.g. 9 for EBADF. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "EBADF"}. */
    public String errnoName() {
        return errnoName;
    }

    /** The operation's name, e.g. {@code "read"}. */
    public String operation() {
        return operation;
    }

    /** What the operation acted on, e.g. {@code "fd 7"} or a path. */
    public String target() {
        return target;
    }
}
