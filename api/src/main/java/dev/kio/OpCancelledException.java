package dev.kio;

/** An operation that was cancelled (by its owner, or by a stopping worker) before it completed. */
public final class OpCancelledException extends OpException {
    private static final long serialVersionUID = 1L;

    public OpCancelledException(int errno, String errnoName, String operation, String target) {
        super(operation + "(" + target + ") was cancelled", errno, errnoName, operation, target);
    }
}
