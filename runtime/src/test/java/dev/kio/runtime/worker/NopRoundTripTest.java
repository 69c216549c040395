package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NopRoundTripTest {

    /** Issues {@code count} NOPs, {@code batch} at a time, and counts their completions. */
    static final class NopLoop extends Frame<Long> {
        private final int batch;
        private final long count;
        private long done;
        private int pending;

        NopLoop(int batch, long count) {
            this.batch = batch;
            this.count = count;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 1) {
                result();
                done++;
                if (--pending > 0) {
                    awaitMore();
                    return;
                }
            }
            if (done == count) {
                complete(done);
                return;
            }
            state = 1;
            int n = (int) Math.min(batch, count - done);
            pending = n;
            for (int i = 0; i < n; i++) {
                await(ops().nop());
            }
        }
    }

    @Test
    void batchOfNopsRoundTrips() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertEquals(100_000L, pool.worker(0).syncWait(new NopLoop(32, 100_000)));
        }
    }
}
