package dev.kio;

import dev.kio.spi.DirectAwait;

/**
 * The suspension points of a {@link Flow}: {@code import static dev.kio.Flows.await;}.
 *
 * <p>Inside a flow compiled by kio's processor these calls are replaced by suspensions of the
 * generated state machine and never run. They run only in <em>direct mode</em>: when a flow
 * method is called as an ordinary Java method on a thread that opened direct mode
 * ({@code try (var direct = DirectMode.open()) { handler.session(conn); }} with the runtime's
 * {@code dev.kio.runtime.worker.DirectMode}). Each await then submits on a ring that thread
 * owns and blocks until the completion, which makes flows easy to step through in a debugger
 * and to test as plain Java.
 */
public final class Flows {
    private Flows() {
    }

    /**
     * Suspends until {@code op} completes.
     *
     * @return the operation's result
     * @throws OpException the kernel's error, with its errno name, the operation and its target
     *     ({@link OpTimedOutException} and {@link OpCancelledException} are kinds of it)
     */
    public static int await(Operation op) throws OpException {
        return DirectAwait.current().await(op);
    }

    /**
     * Suspends until {@code task} finishes, starting it if it has not started. The task's own
     * exception, checked or not, is rethrown as is.
     *
     * @return the task's result
     */
    public static <T> T await(Task<T> task) {
        return DirectAwait.current().await(task);
    }
}
