package dev.kio.benchmarks;

import java.util.concurrent.CompletableFuture;

import dev.kio.Task;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Promise;

/**
 * Values handed over later by the benchmark's own code on the same thread, for the awaits of
 * {@link AwaitCost} that suspend: the awaiting side asks for the next value and gets a pending
 * promise (a kio {@link Promise}, or a {@link CompletableFuture}); the producer settles it, which
 * resumes the awaiting side at once, on the producer's stack, and that side asks for the next.
 * Neither the kernel nor another thread is involved.
 */
final class Later {
    /** The values settled, boxed once here so that neither side allocates to box them. */
    static final Integer[] VALUES = new Integer[AwaitCost.AWAITS];

    static {
        for (int i = 0; i < VALUES.length; i++) {
            VALUES[i] = i;
        }
    }

    private Later() {
    }

    /** Hands out kio promises one at a time and settles them in order. */
    static final class Promises {
        private Promise<Integer> pending;

        Promise<Integer> next() {
            Promise<Integer> p = Promise.create();
            pending = p;
            return p;
        }

        /** Settles the pending promise, and the one its awaiter asks for next, until none is asked for. */
        int settleAll() {
            int k = 0;
            for (Promise<Integer> p = pending; p != null; p = pending) {
                pending = null;
                p.succeed(VALUES[k++]);
            }
            return k;
        }
    }

    /** {@link Promises} with {@link CompletableFuture}s: completing one runs the stage that awaits it. */
    static final class Futures {
        private CompletableFuture<Integer> pending;

        CompletableFuture<Integer> next() {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            pending = f;
            return f;
        }

        int settleAll() {
            int k = 0;
            for (CompletableFuture<Integer> f = pending; f != null; f = pending) {
                pending = null;
                f.complete(VALUES[k++]);
            }
            return k;
        }
    }

    /**
     * Runs a consumer frame that awaits promises from {@code source}, and settles them: it spawns
     * the consumer on this worker and yields once through a NOP, so that the consumer runs to its
     * first await meanwhile; then it settles each promise the consumer asks for. The NOP and the
     * spawn are once per 1,024 awaits.
     */
    static class Producer extends Frame<Void> {
        private Promises source;
        private Task<Void> consumer;
        int settled;

        Producer start(Promises source, Task<Void> consumer) {
            reset();
            this.source = source;
            this.consumer = consumer;
            return this;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                worker().spawn(consumer);
                state = 1;
                if (await(ops().nop())) {
                    return;
                }
            }
            settled = settle(source);
            done();
        }

        /** Settles the consumer's promises; how many. */
        int settle(Promises promises) {
            return promises.settleAll();
        }
    }
}
