package dev.kio.runtime.op;

/**
 * Where an operation is in its life. The kernel owns the memory an operation names from
 * {@link #SUBMITTED} until its last completion has been reaped, cancelled or not. The states in
 * which the kernel owes a completion come last: the op table tests them with one comparison.
 */
public enum OpState {
    /** In the table's free list. */
    FREE,
    /**
     * Complete from the start ({@link Ops#ready(int)}): the kernel never sees it, and awaiting it
     * continues at once with its result.
     */
    READY,
    /** Acquired and described, not yet handed to the ring. */
    PREPARED,
    /** Waiting for submission-queue space; the kernel has not seen it. */
    QUEUED,
    /** Its SQE is in the ring; the kernel owns its memory. */
    SUBMITTED,
    /** A cancel was requested; the kernel still owns its memory until its completion arrives. */
    CANCELLING,
    /** Its result was delivered; the slot waits only for a companion CQE (its link timeout). */
    COMPLETED
}
