package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A promise resumes its awaiter on the settling call's stack, or lets an await continue inline once settled. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PromiseTest {
    private static IoPool pool;

    @BeforeAll
    static void start() throws Exception {
        pool = IoPool.builder().workers(1).pin(false).start();
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    /** Asks for a promise, awaits it, and records the value it resumed with. */
    static final class Consumer extends Frame<Void> {
        Promise<Integer> promise;
        int got = -1;

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                promise = Promise.create();
                state = 1;
                if (await(promise)) {
                    return;
                }
            }
            got = resultOf(promise);
            done();
        }
    }

    /**
     * Spawns {@code consumer} on the worker, lets it run to its first await, then returns what
     * {@code producer} returns, run on the worker thread.
     */
    private static <R> R afterSpawning(Frame<Void> consumer, Callable<R> producer) throws Exception {
        return pool.worker(0).syncWait(new Frame<R>() {
            @Override
            protected void step() throws Throwable {
                if (state == 0) {
                    worker().spawn(consumer);
                    state = 1;
                    // The consumer runs to its await while this frame waits for the NOP.
                    if (await(ops().nop())) {
                        return;
                    }
                }
                complete(producer.call());
            }
        });
    }

    @Test
    void settlingResumesTheSuspendedAwaiterBeforeItReturns() throws Exception {
        Consumer consumer = new Consumer();
        int seen = afterSpawning(consumer, () -> {
            consumer.promise.succeed(42);
            return consumer.got;
        });
        assertEquals(42, seen);
    }

    /** Awaits {@code n} promises in a loop, each handed out through {@code asked}. */
    static final class LoopConsumer extends Frame<Void> {
        private final int n;
        private Promise<Integer> awaited;
        /** The promise it asks for, taken by whoever settles it. */
        Promise<Integer> asked;
        int sum;
        int i;

        LoopConsumer(int n) {
            this.n = n;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 1) {
                sum += resultOf(awaited);
                i++;
            }
            state = 1;
            for (; i < n; i++) {
                awaited = Promise.create();
                asked = awaited;
                if (await(awaited)) {
                    return;
                }
                sum += resultOf(awaited);
            }
            awaited = null;
            done();
        }
    }

    /** Spawns a loop consumer, then settles each promise it asks for; the bytes its thread allocated meanwhile. */
    private static long settleLoop(int n) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        LoopConsumer consumer = new LoopConsumer(n);
        long allocated = afterSpawning(consumer, () -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (Promise<Integer> p = consumer.asked; p != null; p = consumer.asked) {
                consumer.asked = null;
                p.succeed(1);
            }
            return threads.getCurrentThreadAllocatedBytes() - before;
        });
        assertEquals(n, consumer.sum);
        return allocated;
    }

    @Test
    void awaitsOfPromisesSettledLaterAllocateNothingOnAWarmedWorker() throws Exception {
        int n = 200_000;
        settleLoop(n);
        settleLoop(n);
        long allocated = settleLoop(n);
        assertTrue(allocated < n, "allocated " + allocated + " bytes over " + n + " awaits");
    }

    @Test
    void promiseSettledBeforeItIsAwaitedContinuesInlineAndGoesBackToThePool() throws Exception {
        boolean[] suspended = new boolean[1];
        Object[] promises = pool.worker(0).syncWait(new Frame<Object[]>() {
            @Override
            protected void step() throws Throwable {
                Promise<String> first = Promise.create();
                first.succeed("ready");
                suspended[0] = await(first);
                String value = resultOf(first);
                // Its awaiter has read it: the next promise on this worker is the same object.
                complete(new Object[] {value, first, Promise.create()});
            }
        });
        assertEquals(false, suspended[0]);
        assertEquals("ready", promises[0]);
        assertSame(promises[1], promises[2]);
    }

    @Test
    void failedPromiseThrowsWhereItIsAwaited() {
        IOException e = assertThrows(IOException.class, () -> pool.worker(0).syncWait(new Frame<Integer>() {
            @Override
            protected void step() throws Throwable {
                Promise<Integer> p = Promise.create();
                p.fail(new IOException("peer went away"));
                await(p);
                complete(resultOf(p));
            }
        }));
        assertEquals("peer went away", e.getMessage());
    }

    @Test
    void settlingTwiceIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pool.worker(0).syncWait(new Frame<Void>() {
                    @Override
                    protected void step() {
                        Promise<Integer> p = Promise.create();
                        p.succeed(1);
                        p.succeed(2);
                        done();
                    }
                }));
        assertTrue(e.getMessage().contains("already settled"), e.getMessage());
    }

    @Test
    void awaitingAPromiseTwiceIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pool.worker(0).syncWait(new Frame<Void>() {
                    @Override
                    protected void step() {
                        Promise<Integer> p = Promise.create();
                        p.succeed(1);
                        await(p);
                        await(p);
                        done();
                    }
                }));
        assertTrue(e.getMessage().contains("already awaited"), e.getMessage());
    }

    @Test
    void settlingOffTheAwaitersWorkerThreadIsRefusedAndLeavesThePromisePending() throws Exception {
        Consumer consumer = new Consumer();
        int seen = afterSpawning(consumer, () -> {
            Promise<Integer> p = consumer.promise;
            Thread other = new Thread(() -> p.succeed(1));
            Throwable[] refused = new Throwable[1];
            other.setUncaughtExceptionHandler((t, why) -> refused[0] = why);
            other.start();
            other.join();
            assertTrue(refused[0] instanceof IllegalStateException && refused[0].getMessage().contains("own thread"),
                    String.valueOf(refused[0]));
            assertEquals(false, p.isSettled());
            p.succeed(7);
            return consumer.got;
        });
        assertEquals(7, seen);
    }

    @Test
    void promiseHandedToSyncWaitEndsWithWhatCodeOnTheWorkerSettlesItWith() throws Exception {
        Promise<String> ok = Promise.create();
        Promise<String> failed = Promise.create();
        Thread settler = new Thread(() -> {
            pool.worker(0).execute(() -> ok.succeed("later"));
            pool.worker(0).execute(() -> failed.fail(new IOException("no value")));
        });
        // Either order works: settled before the promise's wait began on the worker, or after.
        settler.start();
        assertEquals("later", pool.worker(0).syncWait(ok));
        assertEquals("no value", assertThrows(IOException.class, () -> pool.worker(0).syncWait(failed)).getMessage());
        settler.join();
    }

    @Test
    void directModeAwaitOfAPromiseReturnsWhatAnotherFrameSettlesAndPoolsIt() throws Exception {
        try (DirectMode direct = DirectMode.open()) {
            Promise<Integer> p = Promise.create();
            // It settles the promise when its NOP completes, as a callback on the ring would.
            direct.worker().spawn(new Frame<Void>() {
                @Override
                protected void step() {
                    if (state == 0) {
                        state = 1;
                        if (await(ops().nop())) {
                            return;
                        }
                    }
                    p.succeed(5);
                    done();
                }
            });
            assertEquals(5, direct.await(p));
            assertSame(p, Promise.create());
        }
    }

    @Test
    // In a thread of its own: the hang this guards against is a wait in io_uring_enter, which no interrupt ends.
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void directModeAwaitReturnsWhenTheTaskEndsWhileFramesRunBeforeTheTurnsWait() throws Exception {
        try (DirectMode direct = DirectMode.open()) {
            Promise<Integer> p = Promise.create();
            // Settled in the first step of a queued frame, which the turn runs before it would wait
            // in the kernel: no completion comes afterwards to end such a wait.
            direct.worker().spawn(new Frame<Void>() {
                @Override
                protected void step() {
                    p.succeed(8);
                    done();
                }
            });
            assertEquals(8, direct.await(p));
        }
    }

    @Test
    void stoppingAWorkerFailsThePromisesStillAwaitedSoTheirAwaitersFinish() throws Exception {
        Throwable[] detached = new Throwable[1];
        IoPool own = IoPool.builder().workers(1).pin(false).uncaughtExceptionHandler((w, t) -> detached[0] = t).start();
        Consumer never = new Consumer();
        Thread waiter = new Thread(() -> { });
        Exception[] seen = new Exception[1];
        try {
            // A promise awaited by a spawned flow, and one a plain thread syncWaits on.
            Promise<Integer> waitedOn = own.worker(0).syncWait(new Frame<Promise<Integer>>() {
                @Override
                protected void step() {
                    if (state == 0) {
                        worker().spawn(never);
                        state = 1;
                        // The spawned flow runs to its await while this frame waits for the NOP.
                        if (await(ops().nop())) {
                            return;
                        }
                    }
                    complete(Promise.create());
                }
            });
            waiter = new Thread(() -> {
                try {
                    own.worker(0).syncWait(waitedOn);
                } catch (Exception e) {
                    seen[0] = e;
                }
            });
            waiter.start();
            while (waiter.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
        } finally {
            own.close();
        }
        waiter.join();
        // The spawned flow ended with the stop's exception, which went to the pool's handler.
        assertTrue(never.isDone());
        assertSame(never.failure(), detached[0]);
        assertEquals(RejectedExecutionException.class, detached[0].getClass());
        assertEquals(RejectedExecutionException.class, seen[0].getClass());
        assertTrue(seen[0].getMessage().contains("stopped before the promise was settled"), seen[0].getMessage());
    }
}
