package dev.kio.examples;

import static dev.kio.Flows.await;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.Task;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Timers and periodic tasks written as flows: a fixed-rate ticker that does not drift (each
 * sleep aims at the next due time, not "period after the last tick"), and a deadline on an
 * operation that never completes on its own.
 *
 * <pre>{@code KIO_DEMO_MAIN=dev.kio.examples.Ticker scripts/demo [ticks] [period-ms]}</pre>
 */
@IoHandler
public abstract class Ticker {
    final PrintStream out;

    protected Ticker(PrintStream out) {
        this.out = out;
    }

    Ops ops() {
        return Worker.current().ops();
    }

    /**
     * Ticks {@code ticks} times, one period apart, on the worker it runs on.
     *
     * @return each tick's lateness against its due time, in nanoseconds
     */
    @Flow
    public List<Long> fixedRate(String name, int ticks, Duration period) throws OpException {
        List<Long> lateness = new ArrayList<>(ticks);
        long start = System.nanoTime();
        for (int i = 1; i <= ticks; i++) {
            long due = start + i * period.toNanos();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                await(ops().sleep(wait));
            }
            long late = System.nanoTime() - due;
            lateness.add(late);
            out.printf("  %s tick %d on %s, %.2f ms late%n", name, i, Thread.currentThread().getName(), late / 1e6);
        }
        return lateness;
    }

    /**
     * Sleeps far longer than {@code deadline} under a link timeout: the kernel cancels the sleep
     * at the deadline and the flow sees {@link OpTimedOutException}.
     *
     * @return how long it waited, in nanoseconds
     */
    @Flow
    public long deadline(Duration deadline) throws OpException {
        long start = System.nanoTime();
        try {
            await(ops().sleep(Duration.ofHours(1).toNanos()).timeout(deadline));
            throw new IllegalStateException("an hour went by");
        } catch (OpTimedOutException expected) {
            long waited = System.nanoTime() - start;
            out.printf("  deadline of %d ms hit after %.2f ms: %s%n", deadline.toMillis(), waited / 1e6,
                    expected.getMessage());
            return waited;
        }
    }

    /** Two tickers interleaved on one worker, then a deadline; returns every tick's lateness. */
    public static List<Long> run(PrintStream out, int ticks, Duration period) throws Throwable {
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            Ticker ticker = new Ticker_Kio(out);
            Worker worker = pool.worker(0);
            Task<List<Long>> slow = Ticker_Kio.fixedRate(ticker, "slow", ticks, period.multipliedBy(2));
            Task<List<Long>> fast = Ticker_Kio.fixedRate(ticker, "fast", ticks * 2, period);
            worker.spawn(fast);
            List<Long> lateness = new ArrayList<>(worker.syncWait(slow));
            worker.syncWait(Ticker_Kio.deadline(ticker, period));
            return lateness;
        }
    }

    public static void main(String[] args) throws Throwable {
        int ticks = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Duration period = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 20);
        List<Long> lateness = run(System.out, ticks, period);
        System.out.printf("%d slow ticks, worst lateness %.2f ms%n", lateness.size(),
                lateness.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
    }
}
