package dev.kio.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import dev.kio.runtime.worker.DirectMode;
import dev.kio.runtime.worker.IoPool;

/**
 * Where a suspending await runs: the CPU time per await of {@link AwaitFlows#sumLater} (each
 * await a promise that the producer settles later, as in {@link AwaitCost#generatedLater}) on
 * a pool's worker thread and in direct mode, measured on the thread that settles and resumes,
 * around the settling loop alone. JMH's {@code AwaitCost} runs the kio variants in direct mode
 * (a pool worker would add a cross-thread hand-off per invocation); this harness tells what that
 * choice costs. Rounds alternate the two; it prints the median of each and their ratio.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/kio-benchmarks.jar dev.kio.benchmarks.SuspendCost}</pre>
 */
public final class SuspendCost {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int ROUNDS = 30;
    private static final int RUNS = 200;

    private SuspendCost() {
    }

    /** {@link Later.Producer} that also times its settling loop: the settling thread's CPU ns per await. */
    static final class TimedProducer extends Later.Producer {
        long cpuNsPerAwait;

        @Override
        int settle(Later.Promises promises) {
            long start = THREADS.getCurrentThreadCpuTime();
            int n = super.settle(promises);
            AwaitCost.check("promises settled", n, AwaitCost.AWAITS);
            cpuNsPerAwait = (THREADS.getCurrentThreadCpuTime() - start) / n;
            return n;
        }
    }

    public static void main(String[] args) throws Exception {
        AwaitFlows handler = new AwaitFlows_Kio();
        Later.Promises source = new Later.Promises();
        double[] pool = new double[ROUNDS];
        double[] direct = new double[ROUNDS];
        TimedProducer producer = new TimedProducer();
        try (IoPool p = IoPool.builder().workers(1).pin(false).start(); DirectMode d = DirectMode.open()) {
            for (int r = 0; r < ROUNDS; r++) {
                long sum = 0;
                for (int i = 0; i < RUNS; i++) {
                    p.worker(0).syncWait(producer.start(source, AwaitFlows_Kio.sumLater(handler, source, AwaitCost.AWAITS)));
                    sum += producer.cpuNsPerAwait;
                }
                pool[r] = sum / (double) RUNS;
                sum = 0;
                for (int i = 0; i < RUNS; i++) {
                    d.await(producer.start(source, AwaitFlows_Kio.sumLater(handler, source, AwaitCost.AWAITS)));
                    sum += producer.cpuNsPerAwait;
                }
                direct[r] = sum / (double) RUNS;
                AwaitCost.check("sum", handler.total, AwaitCost.SUM);
            }
        }
        // The first half is warm-up.
        double pw = median(Arrays.copyOfRange(pool, ROUNDS / 2, ROUNDS));
        double dm = median(Arrays.copyOfRange(direct, ROUNDS / 2, ROUNDS));
        System.out.printf("suspending await (promise settled later), CPU ns/await of the settling thread, median of %d"
                + " rounds of %d x %d awaits:%n  pool worker %.1f%n  direct mode %.1f%n  direct / pool %.2f%n",
                ROUNDS - ROUNDS / 2, RUNS, AwaitCost.AWAITS, pw, dm, dm / pw);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
