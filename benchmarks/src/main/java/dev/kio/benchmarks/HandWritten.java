package dev.kio.benchmarks;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Promise;
import dev.kio.runtime.worker.Worker;

/**
 * The loops of {@link AwaitFlows} written by hand as frames, the way the runtime's own tests
 * and examples write them: the yardstick for the processor's output in {@link AwaitCost}. Each
 * frame is reused ({@link #reset()} in {@code start}), as the generated frames are from their
 * worker's idle frames.
 */
final class HandWritten {
    private HandWritten() {
    }

    /** {@link AwaitFlows#sumReady}: awaits {@code n} ready ops, summing their results. */
    static final class SumReady extends Frame<Void> {
        private AwaitFlows handler;
        private int n;
        private Ops ops;
        private int sum;
        private int i;

        SumReady start(AwaitFlows handler, int n) {
            reset();
            this.handler = handler;
            this.n = n;
            return this;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                ops = Worker.current().ops();
                sum = 0;
                i = 0;
                state = 1;
            } else {
                sum += result();
                i++;
            }
            for (; i < n; i++) {
                if (await(ops.ready(i))) {
                    return;
                }
                sum += result();
            }
            handler.total = sum;
            done();
        }
    }

    /** The state of {@link AwaitFlows#sumReady} for the three shapes below, which differ only in their {@code step()}. */
    abstract static class SumReadyShape extends Frame<Void> {
        AwaitFlows self;
        int n;
        Ops ops;
        int sum;
        int i;

        final SumReadyShape start(AwaitFlows self, int n) {
            reset();
            this.self = self;
            this.n = n;
            return this;
        }
    }

    /**
     * {@link AwaitFlows#sumReady} in the shape kio's processor generated before loops kept a
     * Java loop of their own: one flat {@code switch}, every iteration going back through it
     * ({@code state = 1; continue $dispatch;}), which C2 does not turn back into a plain loop.
     */
    static final class SumReadyFlatShape extends SumReadyShape {
        @Override
        @SuppressWarnings("fallthrough")
        protected void step() throws Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                    case 0:
                        ops = Worker.current().ops();
                        sum = 0;
                        i = 0;
                    case 1:
                        if (!(i < n)) {
                            state = 4;
                            continue $dispatch;
                        }
                        state = 2;
                        if (await(ops.ready(i))) return;
                    case 2:
                        sum += result();
                    case 3:
                        i++;
                        state = 1;
                        continue $dispatch;
                    case 4:
                        self.total = sum;
                    case 5:
                        done();
                        return;
                    default:
                        throw new IllegalStateException("no state " + state);
                }
            }
        }
    }

    /**
     * {@link SumReadyFlatShape} with the loop kept a Java {@code while} inside its case: an await
     * that continues inline goes round the {@code while}, and only a resume after a suspension
     * comes back through the {@code switch} (case 2 repeats the loop body's tail after the
     * await, then re-enters the loop). Fast, but the repeated tail grows with the awaits per loop.
     */
    static final class SumReadyLoopShape extends SumReadyShape {
        @Override
        @SuppressWarnings("fallthrough")
        protected void step() throws Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                    case 0:
                        ops = Worker.current().ops();
                        sum = 0;
                        i = 0;
                    case 1:
                        while (i < n) {
                            state = 2;
                            if (await(ops.ready(i))) return;
                            sum += result();
                            i++;
                        }
                        state = 4;
                        continue $dispatch;
                    case 2:
                        sum += result();
                        i++;
                        state = 1;
                        continue $dispatch;
                    case 4:
                        self.total = sum;
                        done();
                        return;
                    default:
                        throw new IllegalStateException("no state " + state);
                }
            }
        }
    }

    /**
     * {@link AwaitFlows#sumReady} in the shape kio's processor generates now (its {@code step()}
     * copied from {@code AwaitFlows_Kio}): the dispatch sends all of the loop's states to one
     * case holding a Java loop that switches over them again, from a local that each jump inside
     * the loop sets along with {@code state}. The back edge stays inside that loop and the switch
     * is over a constant there, so C2 keeps a loop; nothing is repeated. (Switching over the
     * field {@code state} instead, reloaded after each store, measured 1.09-1.36x the
     * hand-written frame: C2 did not see through it.)
     */
    static final class SumReadyNestedShape extends SumReadyShape {
        @Override
        @SuppressWarnings("fallthrough")
        protected void step() throws Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                    case 0:
                        ops = Worker.current().ops();
                        sum = 0;
                        i = 0;
                        state = 1;
                    case 1, 2, 3:
                        $loop0:
                        for (int $at0 = state;;) {
                            switch ($at0) {
                                case 1:
                                    if (!(i < n)) {
                                        state = 4;
                                        continue $dispatch;
                                    }
                                    state = 2;
                                    if (await(ops.ready(i))) return;
                                case 2:
                                    sum += result();
                                case 3:
                                    i++;
                                    state = 1;
                                    $at0 = 1;
                                    continue $loop0;
                            }
                        }
                    case 4:
                        self.total = sum;
                    case 5:
                        done();
                        return;
                    default:
                        throw new IllegalStateException("no state " + state);
                }
            }
        }
    }

    /** {@link AwaitFlows#sumLater}: awaits {@code n} promises settled later, summing their values. */
    static final class SumLater extends Frame<Void> {
        private AwaitFlows handler;
        private Later.Promises source;
        private int n;
        private int sum;
        private int i;
        private Promise<Integer> pending;

        SumLater start(AwaitFlows handler, Later.Promises source, int n) {
            reset();
            this.handler = handler;
            this.source = source;
            this.n = n;
            return this;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                sum = 0;
                i = 0;
                state = 1;
            } else {
                sum += resultOf(pending);
                i++;
            }
            for (; i < n; i++) {
                pending = source.next();
                if (await(pending)) {
                    return;
                }
                sum += resultOf(pending);
            }
            pending = null;
            handler.total = sum;
            done();
        }
    }

    /** {@link AwaitFlows#countNops}: awaits {@code n} NOPs one at a time, counting them. */
    static final class CountNops extends Frame<Void> {
        private AwaitFlows handler;
        private int n;
        private Ops ops;
        private int count;
        private int i;

        CountNops start(AwaitFlows handler, int n) {
            reset();
            this.handler = handler;
            this.n = n;
            return this;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                ops = Worker.current().ops();
                count = 0;
                i = 0;
                state = 1;
            } else {
                count += result() + 1;
                i++;
            }
            for (; i < n; i++) {
                if (await(ops.nop())) {
                    return;
                }
                count += result() + 1;
            }
            handler.total = count;
            done();
        }
    }
}
