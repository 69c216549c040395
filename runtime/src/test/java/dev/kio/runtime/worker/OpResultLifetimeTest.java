package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An awaited op's result belongs to the step that resumes after it: the table recycles the op
 * when that step returns, so a later step that reads it fails plainly instead of reading
 * whatever the recycled op holds next.
 */
@Timeout(60)
class OpResultLifetimeTest {

    /** A child task that suspends on a NOP of its own, so its awaiter resumes in a later step. */
    static Frame<Void> suspendingChild() {
        return new Frame<Void>() {
            @Override
            protected void step() {
                if (state == 0) {
                    state = 1;
                    await(ops().nop());
                    return;
                }
                complete(null);
            }
        };
    }

    /** Awaits a NOP, then a child task that suspends, then reads the NOP's result again in the step after the child. */
    static final class ReadsTooLate extends Frame<Integer> {
        int nopResult = -1;

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    state = 1;
                    await(ops().nop());
                }
                case 1 -> {
                    nopResult = result();
                    state = 2;
                    // The child suspends, so this frame resumes in a later step, not this one.
                    await(suspendingChild());
                }
                default -> complete(result());
            }
        }
    }

    /** Awaits a ready op (inline), then a child task that suspends, then reads the ready op's result in the next step. */
    static final class ReadsReadyTooLate extends Frame<Integer> {
        int readyResult = -1;

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                if (await(ops().ready(7))) {
                    throw new IllegalStateException("a ready op never suspends");
                }
                readyResult = result();
                state = 1;
                await(suspendingChild());
                return;
            }
            complete(result());
        }
    }

    @Test
    void readyResultReadAfterItsStepFailsInsteadOfReadingARecycledOp() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            ReadsReadyTooLate frame = new ReadsReadyTooLate();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.worker(0).syncWait(frame));
            assertEquals(7, frame.readyResult, "read in the step that awaited it");
            assertTrue(e.getMessage().contains("read an op's result outside the step that resumed after awaiting it"),
                    e.getMessage());
        }
    }

    @Test
    void resultReadAfterTheResumingStepFailsInsteadOfReadingARecycledOp() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            ReadsTooLate frame = new ReadsTooLate();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.worker(0).syncWait(frame));
            assertEquals(0, frame.nopResult, "read in the step that resumed after the NOP");
            assertTrue(e.getMessage().contains("read an op's result outside the step that resumed after awaiting it"),
                    e.getMessage());
        }
    }
}
