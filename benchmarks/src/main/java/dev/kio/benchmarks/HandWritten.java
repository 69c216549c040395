package dev.kio.benchmarks;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Frame;
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
