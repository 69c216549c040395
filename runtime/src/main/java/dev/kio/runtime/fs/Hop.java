package dev.kio.runtime.fs;

import java.util.concurrent.RejectedExecutionException;

import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Worker;

/**
 * A task that does its work on another worker: it moves there, runs {@link #work()} (which may
 * await ops, one at a time), and moves back to the worker it started on before it finishes, so
 * whoever awaits it resumes on its own worker whatever happened over there. A failure over there
 * is carried back and rethrown at home.
 *
 * @param <T> the result, given by {@link #value()} once the work is done
 */
abstract class Hop<T> extends Frame<T> {
    private static final int START = 0;
    private static final int THERE = 1;
    private static final int HOME = 2;

    private Worker home;
    private Throwable failed;

    /** The worker the work must run on. */
    abstract Worker there();

    /**
     * The work, on {@link #there()}: called once, then again after each op it awaited completes.
     * Returns true when it awaited an op (suspended), false once finished. An exception ends it.
     */
    abstract boolean work() throws Throwable;

    @Override
    protected final void step() throws Throwable {
        if (state == START) {
            home = worker();
            state = THERE;
            if (switchTo(there())) {
                return;
            }
        }
        if (state == THERE) {
            try {
                if (work()) {
                    return;
                }
            } catch (Throwable t) {
                failed = t;
            }
            state = HOME;
            try {
                if (switchTo(home)) {
                    return;
                }
            } catch (RejectedExecutionException homeStopping) {
                abandon();
                throw homeStopping;
            }
        }
        Throwable t = failed;
        if (t != null) {
            throw t;
        }
        done();
    }

    /**
     * Releases what {@link #work()} produced for a home worker that stopped before it could take
     * it, so nothing (a descriptor) outlives the pool; by default nothing.
     */
    void abandon() {
    }

    @Override
    protected final void rejected() {
        abandon();
    }

    @Override
    protected void clear() {
        home = null;
        failed = null;
    }
}
