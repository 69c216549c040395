package dev.kio.runtime.worker;

/**
 * Whoever waits for a {@link Frame} to finish: another frame, a blocked plain thread
 * ({@link Worker#syncWait}), or the pool's handler for detached tasks.
 */
interface Awaiter {
    /**
     * The frame finished (its result or failure is set). Called on the thread that ran it,
     * which for a frame that switched workers is not the awaiter's worker.
     */
    void onDone(Frame<?> frame);
}
