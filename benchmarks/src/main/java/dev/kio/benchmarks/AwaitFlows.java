package dev.kio.benchmarks;

import static dev.kio.Flows.await;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows {@link AwaitCost} measures, compiled by kio's processor into
 * {@code AwaitFlows_Kio}: a loop of {@code n} awaits summing the results. {@link HandWritten}
 * holds the same loops written by hand as frames.
 */
@IoHandler
public abstract class AwaitFlows {
    /** The last flow's sum: flows return nothing, so no boxed result is allocated per run. */
    int total;

    /** Awaits {@code n} ready ops (complete on creation, never submitted): the await machinery alone. */
    @Flow
    void sumReady(int n) throws OpException {
        Ops ops = Worker.current().ops();
        int sum = 0;
        for (int i = 0; i < n; i++) {
            sum += await(ops.ready(i));
        }
        total = sum;
    }

    /**
     * Awaits {@code n} promises that {@code source} hands out pending and its producer settles
     * later, one at a time: every await suspends, and the settling call resumes it, no kernel.
     */
    @Flow
    void sumLater(Later.Promises source, int n) {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            sum += await(source.next());
        }
        total = sum;
    }

    /** Awaits {@code n} NOPs, one at a time, each through the ring: a suspension and a resume per await. */
    @Flow
    void countNops(int n) throws OpException {
        Ops ops = Worker.current().ops();
        int count = 0;
        for (int i = 0; i < n; i++) {
            count += await(ops.nop()) + 1;
        }
        total = count;
    }
}
