package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.FdLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link OpTable#reap} reads the visible CQEs ahead of delivering them, so a waiter that reaps
 * again from inside a delivery would have the outer loop hand out CQEs twice: it is refused.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReapReentryTest {

    @Test
    void waiterThatReapsAgainIsRefusedAndItsOpStillReleased() throws Exception {
        try (RingHarness h = RingHarness.open()) {
            Completions done = new Completions();
            h.table.submit(h.ops.nop(), op -> {
                done.onComplete(op);
                h.table.reap();
            });
            h.table.submit(h.ops.nop(), done);
            assertEquals(2, h.ring.enter(2));
            IllegalStateException refused = assertThrows(IllegalStateException.class, h.table::reap);
            assertTrue(refused.getMessage().contains("OpTable.reap called from a completion"), refused.getMessage());
            assertEquals(1, done.total(), "the first op was delivered once, the second not yet");
            assertEquals(1, h.table.reap(), "the next reap goes on with the CQE after it");
            assertEquals(2, done.total());
            assertEquals(0, h.table.active());
            assertEquals(0, h.table.owed());
        }
    }
}
