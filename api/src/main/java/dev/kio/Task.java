package dev.kio;

/**
 * A lazy asynchronous computation producing a {@code T}, run on one kio worker.
 *
 * <p>A task does nothing until it is awaited from another task, started detached on a
 * worker, or run to completion from a plain thread with a sync wait. Its result, or the
 * exception it ended with, reaches whoever awaits it. A task is awaited at most once, and the
 * handle is spent once awaited: a flow's frame is pooled, and after its awaiter has read the
 * result the same object may run another call of that flow.
 *
 * @param <T> the result type; {@link Void} for tasks run for their effect
 */
public interface Task<T> {

    /** True once the task has completed, normally or with an exception. */
    boolean isDone();
}
