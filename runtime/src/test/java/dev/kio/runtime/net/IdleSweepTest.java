package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kio.OpCancelledException;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.Worker;

/**
 * {@link IdleSweep}: an op left pending past the idle timeout is cancelled and its slot marked
 * expired, ops that complete in time are left alone however long the connection lives, and a
 * sweep stays on its worker. Sleeps stand for receives: the sweep only sees tokens.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IdleSweepTest {
    private static final Duration IDLE = Duration.ofMillis(200);

    /** How one watched session ended. */
    record Ending(Throwable failure, boolean expired, long elapsedNanos, int registeredAfter) {}

    /** Registers, awaits {@code ops} sleeps of {@code sleepNanos} each, watched, then unregisters. */
    private static final class Session extends Frame<Ending> {
        private final IdleSweep sweep;
        private final int ops;
        private final long sleepNanos;
        /** The ending, also for a session nobody awaits. */
        final CompletableFuture<Ending> ending = new CompletableFuture<>();
        private int slot;
        private int done;
        private long start;

        Session(IdleSweep sweep, int ops, long sleepNanos) {
            this.sweep = sweep;
            this.ops = ops;
            this.sleepNanos = sleepNanos;
        }

        @Override
        protected void step() {
            if (state == 0) {
                slot = sweep.register();
                start = System.nanoTime();
                state = 1;
            } else {
                try {
                    result();
                    done++;
                } catch (Throwable t) {
                    end(t);
                    return;
                }
            }
            while (done < ops) {
                if (await(sweep.watch(slot, worker().ops().sleep(sleepNanos)))) {
                    return;
                }
                try {
                    result();
                    done++;
                } catch (Throwable t) {
                    end(t);
                    return;
                }
            }
            end(null);
        }

        private void end(Throwable failure) {
            boolean expired = sweep.expired(slot);
            sweep.unregister(slot);
            Ending e = new Ending(failure, expired, System.nanoTime() - start, sweep.registered());
            ending.complete(e);
            complete(e);
        }
    }

    @Test
    void anOpPendingPastTheTimeoutIsCancelledAndItsSlotMarkedExpired() throws Exception {
        try (NetPool net = NetPool.start(1)) {
            IdleSweep sweep = new IdleSweep(IDLE);
            Ending e = net.pool.worker(0).syncWait(new Session(sweep, 1, Duration.ofSeconds(60).toNanos()));
            assertInstanceOf(OpCancelledException.class, e.failure());
            assertTrue(e.expired());
            long ms = e.elapsedNanos() / 1_000_000;
            // At least the timeout; at most a tick (a quarter of it) later, with room for a loaded machine.
            assertTrue(ms >= IDLE.toMillis() && ms < IDLE.toMillis() * 5 / 4 + 500, "cancelled after " + ms + " ms");
            assertEquals(0, e.registeredAfter());
        }
    }

    @Test
    void opsCompletingWithinTheTimeoutAreNeverCancelledHoweverLongTheConnectionLives() throws Exception {
        try (NetPool net = NetPool.start(1)) {
            IdleSweep sweep = new IdleSweep(IDLE);
            // Each sleep a quarter of the timeout, three timeouts in all: ticks pass while each op is pending.
            Ending e = net.pool.worker(0).syncWait(new Session(sweep, 12, IDLE.toNanos() / 4));
            assertNull(e.failure());
            assertFalse(e.expired());
            assertTrue(e.elapsedNanos() >= IDLE.toNanos() * 3);
        }
    }

    @Test
    void anIdleSessionIsCancelledWhileABusyOneOnTheSameSweepCarriesOn() throws Exception {
        try (NetPool net = NetPool.start(1)) {
            IdleSweep sweep = new IdleSweep(IDLE);
            Worker worker = net.pool.worker(0);
            Session idle = new Session(sweep, 1, Duration.ofSeconds(60).toNanos());
            worker.spawn(idle);
            Ending busy = worker.syncWait(new Session(sweep, 8, IDLE.toNanos() / 4));
            assertNull(busy.failure());
            assertFalse(busy.expired());
            Ending e = idle.ending.get(10, TimeUnit.SECONDS);
            assertInstanceOf(OpCancelledException.class, e.failure());
            assertTrue(e.expired());
        }
    }

    @Test
    void aSweepBelongsToTheWorkerThatFirstRegistered() throws Exception {
        try (NetPool net = NetPool.start(2)) {
            IdleSweep sweep = new IdleSweep(IDLE);
            assertThrows(IllegalStateException.class, sweep::register, "not on a worker");
            net.pool.worker(0).syncWait(new Session(sweep, 1, 1_000));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.pool.worker(1).syncWait(new Session(sweep, 1, 1_000)));
            assertTrue(e.getMessage().startsWith("an idle sweep belongs to "), e.getMessage());
        }
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new IdleSweep(Duration.ZERO));
    }
}
