package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class CrossWorkerTest {

    /** Moves itself between two workers {@code hops} times, checking where it runs after each move. */
    static final class PingPong extends Frame<Long> {
        private final Worker a;
        private final Worker b;
        private final long hops;
        private long done;

        PingPong(Worker a, Worker b, long hops) {
            this.a = a;
            this.b = b;
            this.hops = hops;
        }

        @Override
        protected void step() {
            for (;;) {
                if (state == 1) {
                    Worker target = done % 2 == 0 ? b : a;
                    assertSame(target, Worker.current(), "resumed on the target's thread");
                    done++;
                }
                if (done == hops) {
                    complete(done);
                    return;
                }
                state = 1;
                if (switchTo(done % 2 == 0 ? b : a)) {
                    return;
                }
            }
        }
    }

    @Test
    void pingPongBetweenTwoWorkersLosesNoHandOff() throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            Worker a = pool.worker(0);
            Worker b = pool.worker(1);
            assertEquals(100_000L, a.syncWait(new PingPong(a, b, 100_000)));
        }
    }

    @Test
    void concurrentPingPongsFromBothSidesAllFinish() throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            Worker a = pool.worker(0);
            Worker b = pool.worker(1);
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    assertEquals(50_000L, b.syncWait(new PingPong(b, a, 50_000)));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(50_000L, a.syncWait(new PingPong(a, b, 50_000)));
            other.join();
        }
    }

    @Test
    void tasksPostedFromPlainThreadsAllRunOnTheirWorker() throws Exception {
        int threads = 4;
        int perThread = 25_000;
        AtomicLong ran = new AtomicLong();
        AtomicLong wrongThread = new AtomicLong();
        CountDownLatch all = new CountDownLatch(threads * perThread);
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Worker w = pool.worker(0);
            for (int t = 0; t < threads; t++) {
                Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        w.execute(() -> {
                            if (Worker.current() != w) {
                                wrongThread.incrementAndGet();
                            }
                            ran.incrementAndGet();
                            all.countDown();
                        });
                    }
                });
            }
            // Each execute may find the worker parked, so this also exercises eventfd wake-ups.
            assertEquals(true, all.await(60, TimeUnit.SECONDS), "every posted task ran");
        }
        assertEquals((long) threads * perThread, ran.get());
        assertEquals(0, wrongThread.get());
    }
}
