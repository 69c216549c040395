package dev.kio.runtime.worker;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Worker#current()} on direct-mode threads: each its own worker, and none once closed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DirectModeTest {
    @Test
    void eachThreadSeesItsOwnDirectModeWorkerAndNoneAfterClosingIt() throws Exception {
        CountDownLatch otherOpen = new CountDownLatch(1);
        CountDownLatch mainChecked = new CountDownLatch(1);
        // What the other thread's Worker.current() was: open, after the main thread opened one too, closed.
        Worker[] otherSaw = new Worker[3];
        Worker[] otherOwn = new Worker[1];
        Throwable[] otherFailed = new Throwable[1];
        Thread other = new Thread(() -> {
            try (DirectMode d = DirectMode.open()) {
                otherOwn[0] = d.worker();
                otherSaw[0] = Worker.current();
                otherOpen.countDown();
                mainChecked.await();
                otherSaw[1] = Worker.current();
            } catch (Exception | Error e) {
                otherFailed[0] = e;
            }
            otherSaw[2] = Worker.current();
        });
        try (DirectMode first = DirectMode.open()) {
            assertSame(first.worker(), Worker.current());
        }
        assertNull(Worker.current());
        other.start();
        otherOpen.await();
        assertNull(Worker.current(), "the other thread's direct mode is not this thread's");
        try (DirectMode second = DirectMode.open()) {
            assertSame(second.worker(), Worker.current());
            mainChecked.countDown();
            other.join();
            assertSame(second.worker(), Worker.current());
        }
        assertNull(Worker.current());
        assertNull(otherFailed[0]);
        assertSame(otherOwn[0], otherSaw[0]);
        assertSame(otherOwn[0], otherSaw[1], "the other thread still finds its own after this one opened another");
        assertNull(otherSaw[2]);
    }
}
