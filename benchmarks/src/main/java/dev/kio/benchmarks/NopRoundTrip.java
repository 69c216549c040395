package dev.kio.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.sun.management.ThreadMXBean;

import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * NOP round trips through one pinned kio worker: the cost of the runtime's own path (SQE
 * written from Java, one {@code io_uring_enter} per loop turn, CQE dispatched back to a frame)
 * around the cheapest operation the kernel has.
 *
 * <p>Each invocation hands one {@link NopLoop} frame to the worker with {@code syncWait}; the
 * frame completes {@link #OPS} NOPs with {@code batch} of them in flight at a time, so every
 * worker loop turn submits {@code batch} NOPs and reaps their completions with a single enter.
 * Scores are per NOP ({@link OperationsPerInvocation}); the hand-off to and from the worker and
 * the frame allocation are amortised over the invocation's 1,048,576 NOPs. (With 65,536, the
 * hand-off's two thread wake-ups, slow on an idle virtual CPU, added about 2 ns to each NOP's
 * wall-clock time and none to the worker's CPU time.)
 *
 * <p>{@code benchmarks/run-nop} runs this next to {@code benchmarks/src/main/c/nop_rtt.c}, the
 * same workload in C on liburing, and reports the ratio; see docs/benchmarks.md. Run it alone
 * with {@code java -jar benchmarks/target/kio-benchmarks.jar NopRoundTrip -prof gc}; start the
 * JVM with {@code taskset -c 0} to keep the harness, JIT and GC threads off the worker's CPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(NopRoundTrip.OPS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", // JMH's own Unsafe use
    // The worker allocates nothing per NOP: a fixed, pre-touched heap keeps GC out of the
    // picture. G1 is the server default; its write barriers are part of what is measured.
    "-XX:+UseG1GC", "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
})
public class NopRoundTrip {
    /** NOPs per invocation; {@code run-nop} gives the C peer as many per round. */
    public static final int OPS = 1 << 20;

    /** NOPs in flight per worker loop turn (per io_uring_enter). */
    @Param({"1", "32"})
    public int batch;

    /** The CPU the worker pins itself to; the C peer takes the same CPU. */
    @Param({"1"})
    public int cpu;

    private IoPool pool;
    private Worker worker;

    @Setup(Level.Trial)
    public void start() throws Exception {
        pool = IoPool.builder().workers(1).cpus(cpu).threadNamePrefix("kio-bench-").start();
        worker = pool.worker(0);
        // Printed into the JMH log, so the run shows the ring matches the C peer's.
        System.out.println("# kio ring: " + worker.syncWait(new RingSetup()));
        long done = worker.syncWait(new NopLoop(batch, OPS, false));
        if (done != OPS) {
            throw new IllegalStateException("expected " + OPS + " NOP completions, got " + done);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    /** The batch awaited as a whole ({@code awaitAll}): the frame resumes once per batch, as C's loop reaps one. */
    @Benchmark
    public long nops(Counters counters) throws Exception {
        return run(new NopLoop(batch, OPS, false), counters);
    }

    /**
     * Each NOP awaited on its own: the frame resumes once per completion ({@code awaitMore}),
     * 32 steps per batch at batch 32. {@code run-nop} shows it in its layer breakdown.
     */
    @Benchmark
    public long resumedPerCompletion(Counters counters) throws Exception {
        return run(new NopLoop(batch, OPS, true), counters);
    }

    private long run(NopLoop loop, Counters counters) throws Exception {
        long allocated = -NopLoop.THREADS.getCurrentThreadAllocatedBytes();
        long done = worker.syncWait(loop);
        allocated += NopLoop.THREADS.getCurrentThreadAllocatedBytes();
        counters.callerAllocBytes += allocated;
        counters.workerCpuNs += loop.cpuNanos;
        counters.workerAllocBytes += loop.allocatedBytes;
        counters.nopCount += done;
        return done;
    }

    /**
     * What the worker thread itself spent in the measured frames, per iteration, read from the
     * thread's own counters inside the frame: {@code workerCpuNs / nopCount} is the CPU cost of
     * a NOP, which time stolen by other processes on the worker's CPU does not inflate (the
     * wall-clock score does); {@code workerAllocBytes / nopCount} is what the worker allocated
     * per NOP. {@code callerAllocBytes} is what the benchmark thread allocated around the
     * hand-offs (the frame, syncWait's latch). JMH's {@code gc.alloc.rate.norm} counts every
     * thread of the JVM, the harness's own included.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long workerCpuNs;
        public long workerAllocBytes;
        public long callerAllocBytes;
        public long nopCount;

        @Setup(Level.Iteration)
        public void reset() {
            workerCpuNs = 0;
            workerAllocBytes = 0;
            callerAllocBytes = 0;
            nopCount = 0;
        }
    }

    /** Describes the worker's ring as the C peer describes its own: set-up flags, registered fd. */
    static final class RingSetup extends Frame<String> {
        @Override
        protected void step() {
            Ring ring = worker().ring();
            complete(String.format("setup flags 0x%x, registered ring fd %s", ring.setupFlags(),
                    ring.registeredRingFd() ? "yes" : "no"));
        }
    }

    /**
     * Completes {@code count} NOPs, {@code batch} in flight at a time: submits a batch, and
     * submits the next once every NOP of the batch is in. It waits for a batch as a whole
     * ({@code awaitAll}, resumed once, any failure rethrown) or, {@code perCompletion}, for each
     * NOP on its own (resumed by every completion, each result checked). Allocates nothing after
     * construction.
     */
    static final class NopLoop extends Frame<Long> {
        private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        private final int batch;
        private final long count;
        private final boolean perCompletion;
        private long done;
        private int pending;
        /** The worker thread's CPU time and heap allocation from the first step to completion. */
        long cpuNanos;
        long allocatedBytes;

        NopLoop(int batch, long count, boolean perCompletion) {
            this.batch = batch;
            this.count = count;
            this.perCompletion = perCompletion;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                allocatedBytes = -THREADS.getCurrentThreadAllocatedBytes();
                cpuNanos = -THREADS.getCurrentThreadCpuTime();
                state = 1;
            } else if (perCompletion) {
                if (result() != 0) {
                    throw new IllegalStateException("NOP completed with " + rawResult());
                }
                done++;
                if (--pending > 0) {
                    awaitMore();
                    return;
                }
            } else {
                joined();
                done += pending;
            }
            if (done == count) {
                cpuNanos += THREADS.getCurrentThreadCpuTime();
                allocatedBytes += THREADS.getCurrentThreadAllocatedBytes();
                complete(done);
                return;
            }
            int n = (int) Math.min(batch, count - done);
            pending = n;
            for (int i = 0; i < n; i++) {
                await(ops().nop());
            }
            if (!perCompletion) {
                awaitAll();
            }
        }
    }
}
