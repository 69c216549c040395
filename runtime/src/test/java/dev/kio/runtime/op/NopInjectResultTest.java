package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** IORING_NOP_INJECT_RESULT: a NOP that completes through the kernel with the result it was given. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NopInjectResultTest {

    /** Whether this kernel knows the flag: older ones end such a NOP with EINVAL. */
    static boolean supported(RingHarness h) throws Exception {
        Completions done = new Completions();
        Op probe = h.ops.nop(12345);
        long token = probe.token();
        h.table.submit(probe, done);
        h.pumpUntil(() -> done.done(token), Duration.ofSeconds(5));
        return done.only(token).result() == 12345;
    }

    @Test
    void injectedValuesAndErrorsComeBackAsTheirOutcome() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            assumeTrue(supported(h), "kernel without IORING_NOP_INJECT_RESULT");
            int[] results = {0, 7, Integer.MAX_VALUE, -Errno.EBADF, -Errno.ECONNRESET};
            long[] tokens = new long[results.length];
            Completions done = new Completions();
            for (int i = 0; i < results.length; i++) {
                Op op = h.ops.nop(results[i]);
                tokens[i] = op.token();
                h.table.submit(op, done);
            }
            h.pumpUntil(() -> done.total() == results.length, Duration.ofSeconds(5));
            for (int i = 0; i < results.length; i++) {
                Completions.Seen seen = done.only(tokens[i]);
                assertEquals(results[i], seen.result());
                assertEquals(results[i] >= 0 ? Outcome.OK : Outcome.FAILED, seen.outcome());
            }
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.owed());
        }
    }
}
