package dev.kio.spi;

import dev.kio.OpException;
import dev.kio.Operation;
import dev.kio.Task;

/**
 * What {@link dev.kio.Flows} calls in direct mode: the runtime binds one per thread while a
 * direct-mode scope is open. Not for application code.
 */
public interface DirectAwait {
    /** Runs {@code op} to completion on the calling thread's own ring. */
    int await(Operation op) throws OpException;

    /** Runs {@code task} to completion on the calling thread, rethrowing its exception as is. */
    <T> T await(Task<T> task);

    /** The calling thread's binding. */
    static DirectAwait current() {
        DirectAwait d = Binding.CURRENT.get();
        if (d == null) {
            throw new IllegalStateException("await() ran as plain Java on thread " + Thread.currentThread().getName()
                    + " outside direct mode: start the flow through its generated starter (e.g. Handler_Kio.flow(handler, ...))"
                    + " or open direct mode on this thread first (dev.kio.runtime.worker.DirectMode.open())");
        }
        return d;
    }

    /** Binds {@code d} to the calling thread; {@code null} unbinds. */
    static void bind(DirectAwait d) {
        if (d == null) {
            Binding.CURRENT.remove();
        } else {
            Binding.CURRENT.set(d);
        }
    }

    /** Holder of the per-thread binding, kept out of the interface's public constants. */
    final class Binding {
        private static final ThreadLocal<DirectAwait> CURRENT = new ThreadLocal<>();

        private Binding() {
        }
    }
}
