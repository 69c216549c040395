package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.Flows;
import dev.kio.OpException;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpState;
import dev.kio.runtime.sys.Errno;

/** Ops that are complete before they are awaited continue inline, on a worker and in direct mode. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadyOpTest {

    /** Awaits ready ops in a loop; counts how often a ready await suspended (it must not). */
    static final class SumReady extends Frame<Integer> {
        private final int n;
        int i;
        int sum;
        int suspensions;
        int stepCalls;

        SumReady(int n) {
            this.n = n;
        }

        @Override
        protected void step() throws Throwable {
            stepCalls++;
            for (;;) {
                switch (state) {
                    case 0 -> {
                        if (i == n) {
                            complete(sum);
                            return;
                        }
                        state = 1;
                        if (await(ops().ready(i))) {
                            suspensions++;
                            return;
                        }
                    }
                    case 1 -> {
                        sum += result();
                        i++;
                        state = 0;
                    }
                    default -> throw new IllegalStateException("state " + state);
                }
            }
        }
    }

    @Test
    void readyOpsContinueInlineInOneStepAndRecycleTheirSlots() throws Throwable {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            int before = activeOps(pool.worker(0));
            SumReady frame = new SumReady(10_000);
            assertEquals(10_000 * 9_999 / 2, pool.worker(0).syncWait(frame));
            assertEquals(0, frame.suspensions);
            assertEquals(1, frame.stepCalls, "no await went back to the worker loop");
            assertEquals(before, activeOps(pool.worker(0)), "every ready op went back to the table");
        }
    }

    @Test
    void directModeThreadWakesAParkedWorkerItSyncWaitsOn() throws Throwable {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start();
                DirectMode direct = DirectMode.open()) {
            Worker worker = pool.worker(0);
            for (int round = 0; round < 50; round++) {
                // Parked: the worker has nothing to do until this thread's hand-off wakes it.
                while (!worker.isParked()) {
                    Thread.onSpinWait();
                }
                assertEquals(round, valueOnWorker(worker, round));
            }
            assertEquals(7, direct.await(direct.worker().ops().ready(7)), "direct mode still usable afterwards");
        }
    }

    private static int valueOnWorker(Worker worker, int n) throws Throwable {
        return worker.syncWait(new Frame<Integer>() {
            @Override
            protected void step() {
                complete(n);
            }
        });
    }

    private static int activeOps(Worker worker) throws Throwable {
        return worker.syncWait(new Frame<Integer>() {
            @Override
            protected void step() {
                complete(worker().ops().table().active());
            }
        });
    }

    @Test
    void readyFailureThrowsTheTypedErrorWhereItIsRead() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            OpException e = assertThrows(OpException.class, () -> pool.worker(0).syncWait(new Frame<Integer>() {
                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        state = 1;
                        if (await(ops().ready(-Errno.ECONNRESET))) {
                            return;
                        }
                    }
                    complete(result());
                }
            }));
            assertEquals("ECONNRESET", e.errnoName());
        }
    }

    @Test
    void readyOpIsRefusedBySubmitAndTakenByDirectAwait() throws Exception {
        try (DirectMode direct = DirectMode.open()) {
            int before = direct.worker().ops().table().active();
            Op ready = direct.worker().ops().ready(5);
            assertEquals(OpState.READY, ready.state());
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> direct.worker().ops().table().submit(ready, op -> { }));
            assertEquals(true, refused.getMessage().contains("awaited, never submitted"), refused.getMessage());
            assertEquals(5, Flows.await(ready));
            assertEquals(OpState.FREE, ready.state());
            OpException e = assertThrows(OpException.class, () -> Flows.await(direct.worker().ops().ready(-Errno.EBADF)));
            assertEquals("EBADF", e.errnoName());
            assertEquals(before, direct.worker().ops().table().active());
        }
    }

    @Test
    void readyFailureStaysReadableWhileTheSameStepTakesMoreOps() throws Throwable {
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            int before = activeOps(pool.worker(0));
            OpException e = assertThrows(OpException.class, () -> pool.worker(0).syncWait(new Frame<Integer>() {
                @Override
                protected void step() throws Throwable {
                    if (await(ops().ready(-Errno.ENOENT).target("missing.txt"))) {
                        throw new IllegalStateException("a ready op never suspends");
                    }
                    // The NOP takes a slot before the ready op's result is read, which must still be its own.
                    await(ops().nop());
                    complete(result());
                }
            }));
            assertEquals("ENOENT", e.errnoName());
            assertEquals(true, e.getMessage().contains("missing.txt"), e.getMessage());
            assertEquals(before, activeOps(pool.worker(0)), "the ready op and the NOP went back to the table");
        }
    }
}
