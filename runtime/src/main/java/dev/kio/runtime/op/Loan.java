package dev.kio.runtime.op;

/**
 * Memory that operations lend to the kernel, told by the op table when an op naming it is
 * submitted and when that op's last completion has arrived. In between the kernel may read or
 * write it, so the memory refuses to be reused or freed: a release or close is deferred until
 * {@link #returned()}. An op holds its loan in {@code keepAlive}.
 */
public abstract class Loan {
    /** An op naming this memory was handed to the kernel (or queued for it). */
    protected abstract void lent();

    /** The last completion of such an op arrived: the kernel is done with the memory for that op. */
    protected abstract void returned();
}
