package dev.kio.runtime.op;

/** How an operation ended, as delivered to its waiter. */
public enum Outcome {
    /** The kernel's result is a count or value ({@code res >= 0}). */
    OK,
    /** The kernel returned {@code -errno}. */
    FAILED,
    /** Cancelled on request before it completed. */
    CANCELLED,
    /** Its linked timeout fired first and the kernel cancelled it. */
    TIMED_OUT
}
