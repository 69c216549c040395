package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpException;
import dev.kio.Task;
import dev.kio.runtime.op.Ops;

@Timeout(60)
class TaskModelTest {

    static final class Fails extends Frame<Void> {
        private final Exception failure;

        Fails(Exception failure) {
            this.failure = failure;
        }

        @Override
        protected void step() throws Exception {
            throw failure;
        }
    }

    static final class Value<T> extends Frame<T> {
        private final T value;

        Value(T value) {
            this.value = value;
        }

        @Override
        protected void step() {
            complete(value);
        }
    }

    /** Sleeps one NOP, then returns a value: a child that suspends. */
    static final class AfterNop extends Frame<String> {
        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                await(ops().nop());
                return;
            }
            result();
            complete("after nop");
        }
    }

    /** Awaits a child and records whether it continued inline (no suspension). */
    static final class Parent extends Frame<String> {
        private final Task<String> child;
        boolean suspended;

        Parent(Task<String> child) {
            this.child = child;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                if (await(child)) {
                    suspended = true;
                    return;
                }
            }
            complete(resultOf(child));
        }
    }

    /** A child that moves to another worker and finishes there. */
    static final class FinishElsewhere extends Frame<String> {
        private final Worker target;

        FinishElsewhere(Worker target) {
            this.target = target;
        }

        @Override
        protected void step() {
            if (state == 0) {
                state = 1;
                if (switchTo(target)) {
                    return;
                }
            }
            complete(Thread.currentThread().getName());
        }
    }

    /** Awaits a child that finishes elsewhere; returns the thread it resumed on. */
    static final class StaysHome extends Frame<String> {
        private final FinishElsewhere child;

        StaysHome(FinishElsewhere child) {
            this.child = child;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                if (await(child)) {
                    return;
                }
            }
            resultOf(child);
            complete(Thread.currentThread().getName());
        }
    }

    /** Two reads in flight: one fails at once (EBADF), the other would wait forever on an empty pipe. */
    static final class FailsWithReadInFlight extends Frame<Integer> {
        private final int emptyPipe;
        private final MemorySegment buf = Arena.ofAuto().allocate(16);
        int steps;

        FailsWithReadInFlight(int emptyPipe) {
            this.emptyPipe = emptyPipe;
        }

        @Override
        protected void step() throws Throwable {
            steps++;
            if (state == 0) {
                state = 1;
                await(ops().read(emptyPipe, buf, 0, 8, Ops.CURRENT_POSITION));
                await(ops().read(-1, buf, 8, 8, Ops.CURRENT_POSITION));
                return;
            }
            result();
            complete(42);
        }
    }

    @Test
    void frameThatFailsWithAnOpInFlightCancelsItAndFinishesOnce() throws Exception {
        int[] pipe = Probes.pipe();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            FailsWithReadInFlight frame = new FailsWithReadInFlight(pipe[0]);
            OpException e = assertThrows(OpException.class, () -> pool.worker(0).syncWait(frame));
            assertEquals("EBADF", e.errnoName());
            assertTrue(frame.isDone());
            assertEquals(2, frame.steps, "the cancelled read's completion is absorbed, not resumed");
            assertEquals("after nop", pool.worker(0).syncWait(new AfterNop()));
        } finally {
            Probes.close(pipe);
        }
    }

    @Test
    void switchingWorkersWithAnOpInFlightIsRefused() throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            Frame<String> frame = new Frame<>() {
                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        state = 1;
                        await(ops().nop());
                        switchTo(pool.worker(1));
                        return;
                    }
                    complete("switched");
                }
            };
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.worker(0).syncWait(frame));
            assertTrue(e.getMessage().contains("in flight"), e.getMessage());
        }
    }

    @Test
    void syncWaitRethrowsTheTasksOwnException() throws Exception {
        IOException failure = new IOException("boom");
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            IOException thrown = assertThrows(IOException.class, () -> pool.worker(0).syncWait(new Fails(failure)));
            assertSame(failure, thrown);
        }
    }

    @Test
    void detachedTaskThatThrowsReachesHandlerAndWorkerKeepsServing() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        IllegalStateException failure = new IllegalStateException("detached failure");
        try (IoPool pool = IoPool.builder().workers(1)
                .uncaughtExceptionHandler((w, t) -> reported.complete(t)).start()) {
            Worker w = pool.worker(0);
            w.spawn(new Fails(failure));
            assertSame(failure, reported.get(30, TimeUnit.SECONDS));
            assertEquals("still serving", w.syncWait(new Value<>("still serving")));
            assertEquals("after nop", w.syncWait(new AfterNop()));
        }
    }

    @Test
    void awaitingAFinishedChildContinuesInline() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Parent parent = new Parent(new Value<>("ready"));
            assertEquals("ready", pool.worker(0).syncWait(parent));
            assertEquals(false, parent.suspended);
        }
    }

    @Test
    void awaitingASuspendingChildResumesWithItsResult() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Parent parent = new Parent(new AfterNop());
            assertEquals("after nop", pool.worker(0).syncWait(parent));
            assertTrue(parent.suspended);
        }
    }

    @Test
    void childFailureReachesTheAwaitingParent() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            IOException failure = new IOException("child failed");
            Frame<String> parent = new Frame<>() {
                private final Fails child = new Fails(failure);

                @Override
                protected void step() throws Throwable {
                    if (state == 0) {
                        state = 1;
                        if (await(child)) {
                            return;
                        }
                    }
                    try {
                        resultOf(child);
                        complete("no failure");
                    } catch (IOException e) {
                        complete(e.getMessage());
                    }
                }
            };
            assertEquals("child failed", pool.worker(0).syncWait(parent));
        }
    }

    @Test
    void parentResumesOnItsOwnWorkerWhenChildFinishesElsewhere() throws Throwable {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            FinishElsewhere child = new FinishElsewhere(pool.worker(1));
            String resumedOn = pool.worker(0).syncWait(new StaysHome(child));
            assertEquals("kio-worker-0", resumedOn);
            assertEquals("kio-worker-1", child.join());
        }
    }

    @Test
    void syncWaitFromAWorkerThreadIsRefused() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            Frame<String> nested = new Frame<>() {
                @Override
                protected void step() {
                    try {
                        w.syncWait(new Value<>("never"));
                        complete("blocked a worker");
                    } catch (IllegalStateException e) {
                        complete("refused");
                    } catch (Exception e) {
                        complete("unexpected " + e);
                    }
                }
            };
            assertEquals("refused", w.syncWait(nested));
        }
    }

    @Test
    void opsAreConfinedToTheirWorkerThread() throws Exception {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            assertThrows(IllegalStateException.class, () -> pool.worker(0).ops());
        }
    }

    @Test
    void initCallbackRunsOnEachWorkerThreadBeforeStartReturns() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        IoPool pool = IoPool.builder().workers(2)
                .onStart(w -> seen.add(Thread.currentThread().getName() + "=" + w.index())).start();
        try {
            assertEquals(Set.of("kio-worker-0=0", "kio-worker-1=1"), seen);
        } finally {
            pool.close();
        }
    }

    @Test
    void failingInitCallbackFailsStartAndLeavesNothingRunning() {
        long threadsBefore = Probes.liveWorkerThreads();
        long fdsBefore = Probes.openFds();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> IoPool.builder().workers(2)
                .onStart(w -> {
                    if (w.index() == 1) {
                        throw new IOException("no config");
                    }
                }).start());
        assertTrue(e.getMessage().contains("no config"), e.getMessage());
        assertEquals(threadsBefore, Probes.liveWorkerThreads());
        assertEquals(fdsBefore, Probes.openFds());
    }
}
