package dev.kio.runtime.op;

/** Receives an operation's completion on the worker that submitted it. */
@FunctionalInterface
public interface OpWaiter {
    /**
     * Called once per completion, on the worker thread. The op is recycled as soon as this
     * returns, so copy what you need ({@link Op#result()}, {@link Op#outcome()}, ...) first.
     */
    void onComplete(Op op);

    /** For the runtime's own bookkeeping operations (cancels, wake-ups) whose results need no action. */
    OpWaiter IGNORE = op -> { };
}
