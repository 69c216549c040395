package dev.kio.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
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

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

import dev.kio.Task;
import dev.kio.runtime.worker.DirectMode;

/**
 * The cost of one await: a loop of {@link #AWAITS} awaits summing the values awaited, written
 * four ways. Scores are per await ({@link OperationsPerInvocation}); everything done once per
 * invocation (starting the flow, spawning threads) is spread over the 1,024 awaits.
 *
 * <ul>
 *   <li>{@link #generated}: {@link AwaitFlows#sumReady}, compiled by kio's processor, awaiting
 *       {@code ops.ready(i)}: an op that is complete on creation, so the await takes its result
 *       and continues inline, without the ring. What is measured is the machinery alone: create
 *       the op, await it, read its result, recycle it, and the generated state machine around it.
 *   <li>{@link #handWritten}: the same loop as a hand-written {@code Frame}
 *       ({@link HandWritten.SumReady}), the shape the processor is meant to match.
 *   <li>{@link #completableFuture}: each await is
 *       {@code f = f.thenCompose(s -> completedFuture(i).thenApply(v -> s + v))}: the operation
 *       hands back an already completed future and the rest of the loop continues in a stage
 *       chained on it, which runs at once because both futures are complete.
 *   <li>{@link #virtualThread}: a virtual thread takes {@code 1,024} values from a blocking queue
 *       that a second virtual thread puts them into, both on one carrier
 *       ({@code -Djdk.virtualThreadScheduler.parallelism=1}, so no hand-off crosses CPUs). Each
 *       take parks the consumer until the producer's put unparks it; on one carrier the producer
 *       then parks in its next put until the consumer has taken. Per value: two parks, two
 *       unparks, two continuation switches: the least a blocking hand-off between virtual
 *       threads costs.
 * </ul>
 *
 * Awaits that suspend, each value handed over later by the benchmark's own code on the same
 * thread ({@link Later}), neither the kernel nor another thread involved:
 *
 * <ul>
 *   <li>{@link #generatedLater}: {@link AwaitFlows#sumLater} awaiting a pending kio
 *       {@link dev.kio.runtime.worker.Promise} per value: the flow suspends, the producer settles
 *       the promise, which resumes the flow at once; the flow asks for the next and suspends.
 *   <li>{@link #handWrittenLater}: the same loop as a hand-written frame.
 *   <li>{@link #completableFutureLater}: the same loop as an async function over
 *       {@code CompletableFuture}s, each await {@code next().thenCompose(v -> rest)} on a pending
 *       future that the producer then completes, which runs the stage.
 * </ul>
 *
 * {@link #flatShape}, {@link #loopShape} and {@link #nestedShape} are hand-written frames for
 * the question where a generated loop's cost comes from: the processor's earlier {@code step()}
 * (one flat switch, each iteration back through it), the same with the loop kept a Java loop
 * and the code after the await repeated, and the processor's {@code step()} now (the loop's
 * states switched over inside a Java loop of their own), each typed in by hand.
 *
 * <p>The kio flows run in direct mode on the benchmark thread itself ({@link DirectMode}: the
 * thread drives a ring of its own), so {@code -prof gc}'s bytes per op are those of the thread
 * doing the awaits, plus the harness's. {@link #generatedNop} and {@link #handWrittenNop} await
 * a real {@code IORING_OP_NOP} instead, one at a time: each await submits, enters the kernel,
 * suspends the frame and resumes it from the completion; the ring round trip dominates.
 *
 * <p>{@code benchmarks/run-flows} runs it in rounds and reports the ratios; see docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(AwaitCost.AWAITS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", // JMH's own Unsafe use
    "-XX:+UseG1GC", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch",
    "-Djdk.virtualThreadScheduler.parallelism=1",
})
public class AwaitCost {
    /** Awaits per invocation. */
    public static final int AWAITS = 1024;
    /** What each loop leaves behind: the sum of 0..1023 (the NOP loops count their awaits instead). */
    static final int SUM = AWAITS * (AWAITS - 1) / 2;

    /** Direct mode on the benchmark thread, and the handler and hand-written frames run there. */
    @State(Scope.Thread)
    public static class Direct {
        DirectMode direct;
        AwaitFlows handler;
        HandWritten.SumReady sumReady;
        HandWritten.SumReadyFlatShape flatShape;
        HandWritten.SumReadyLoopShape loopShape;
        HandWritten.SumReadyNestedShape nestedShape;
        HandWritten.CountNops countNops;
        HandWritten.SumLater sumLater;
        Later.Promises promises;
        Later.Producer producer;

        @Setup(Level.Trial)
        public void open() throws Exception {
            direct = DirectMode.open();
            handler = new AwaitFlows_Kio();
            sumReady = new HandWritten.SumReady();
            flatShape = new HandWritten.SumReadyFlatShape();
            loopShape = new HandWritten.SumReadyLoopShape();
            nestedShape = new HandWritten.SumReadyNestedShape();
            countNops = new HandWritten.CountNops();
            sumLater = new HandWritten.SumLater();
            promises = new Later.Promises();
            producer = new Later.Producer();
            // Every variant must compute the same thing before any of them is timed.
            check("generated ready", run(AwaitFlows_Kio.sumReady(handler, AWAITS)), SUM);
            check("hand-written ready", run(sumReady.start(handler, AWAITS)), SUM);
            check("flat shape ready", run(flatShape.start(handler, AWAITS)), SUM);
            check("loop shape ready", run(loopShape.start(handler, AWAITS)), SUM);
            check("nested shape ready", run(nestedShape.start(handler, AWAITS)), SUM);
            check("generated later", later(AwaitFlows_Kio.sumLater(handler, promises, AWAITS)), SUM);
            check("hand-written later", later(sumLater.start(handler, promises, AWAITS)), SUM);
            check("generated NOP", run(AwaitFlows_Kio.countNops(handler, AWAITS)), AWAITS);
            check("hand-written NOP", run(countNops.start(handler, AWAITS)), AWAITS);
        }

        /** Runs {@code flow} to its end on this thread; the sum it left in the handler. */
        int run(Task<Void> flow) {
            direct.await(flow);
            return handler.total;
        }

        /** Runs {@code consumer} and settles the promises it awaits, one at a time; its sum. */
        int later(Task<Void> consumer) {
            handler.total = -1;
            direct.await(producer.start(promises, consumer));
            check("promises settled", producer.settled, AWAITS);
            return handler.total;
        }

        @TearDown(Level.Trial)
        public void close() {
            if (direct != null) {
                direct.close();
                direct = null;
            }
        }
    }

    /** The blocking queue {@link #virtualThread} hands its values over with. */
    @State(Scope.Thread)
    public static class Handoff {
        @Param({"SynchronousQueue", "ArrayBlockingQueue"})
        public String queue;

        BlockingQueue<Integer> newQueue() {
            return queue.equals("SynchronousQueue") ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(1);
        }

        @Setup(Level.Trial)
        public void check() throws InterruptedException {
            AwaitCost.check("virtual thread (" + queue + ")", handOver(this), SUM);
        }
    }

    @Setup(Level.Trial)
    public void checkCompletableFuture() {
        check("CompletableFuture", chain(), SUM);
        check("CompletableFuture later", chainLater(new Later.Futures()), SUM);
    }

    /**
     * What an iteration cost, counted from its set-up to its tear-down (JMH zeroes the public
     * fields after set-up): {@code processCpuNs}, the CPU time of the whole process (the benchmark
     * thread, the virtual threads' carrier, the garbage collector collecting what a variant
     * allocates), which time taken by other processes on the machine does not inflate, where the
     * wall-clock score is; {@code threadAllocBytes}, the bytes the benchmark thread allocated,
     * which for the kio variants is every byte the flows allocated (they run on it), without the
     * harness's other threads that {@code -prof gc} counts too; and the {@code awaits} done.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        public long processCpuNs;
        public long threadAllocBytes;
        public long awaits;
        private long startCpu;
        private long startAlloc;

        @Setup(Level.Iteration)
        public void start() {
            startCpu = OS.getProcessCpuTime();
            startAlloc = THREADS.getCurrentThreadAllocatedBytes();
        }

        @TearDown(Level.Iteration)
        public void stop() {
            threadAllocBytes = THREADS.getCurrentThreadAllocatedBytes() - startAlloc;
            processCpuNs = OS.getProcessCpuTime() - startCpu;
        }
    }

    static void check(String what, int got, int expected) {
        if (got != expected) {
            throw new IllegalStateException(what + " computed " + got + ", expected " + expected);
        }
    }

    @Benchmark
    public int generated(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(AwaitFlows_Kio.sumReady(d.handler, AWAITS));
    }

    @Benchmark
    public int handWritten(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(d.sumReady.start(d.handler, AWAITS));
    }

    @Benchmark
    public int flatShape(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(d.flatShape.start(d.handler, AWAITS));
    }

    @Benchmark
    public int loopShape(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(d.loopShape.start(d.handler, AWAITS));
    }

    @Benchmark
    public int nestedShape(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(d.nestedShape.start(d.handler, AWAITS));
    }

    @Benchmark
    public int generatedLater(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.later(AwaitFlows_Kio.sumLater(d.handler, d.promises, AWAITS));
    }

    @Benchmark
    public int handWrittenLater(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.later(d.sumLater.start(d.handler, d.promises, AWAITS));
    }

    @Benchmark
    public int generatedNop(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(AwaitFlows_Kio.countNops(d.handler, AWAITS));
    }

    @Benchmark
    public int handWrittenNop(Direct d, Cpu cpu) {
        cpu.awaits += AWAITS;
        return d.run(d.countNops.start(d.handler, AWAITS));
    }

    @Benchmark
    public int completableFuture(Cpu cpu) {
        cpu.awaits += AWAITS;
        return chain();
    }

    private static int chain() {
        CompletableFuture<Integer> f = CompletableFuture.completedFuture(0);
        for (int i = 0; i < AWAITS; i++) {
            int k = i;
            f = f.thenCompose(s -> CompletableFuture.completedFuture(k).thenApply(v -> s + v));
        }
        return f.join();
    }

    /** The futures for {@link #completableFutureLater}, one set per thread. */
    @State(Scope.Thread)
    public static class Futures {
        final Later.Futures source = new Later.Futures();
    }

    @Benchmark
    public int completableFutureLater(Futures f, Cpu cpu) {
        cpu.awaits += AWAITS;
        return chainLater(f.source);
    }

    /** {@link AwaitFlows#sumLater} with futures: the loop as an async function, each await a stage on a pending future. */
    private static int chainLater(Later.Futures source) {
        CompletableFuture<Integer> sum = sumLater(source, 0, 0);
        source.settleAll();
        return sum.join();
    }

    private static CompletableFuture<Integer> sumLater(Later.Futures source, int i, int sum) {
        if (i == AWAITS) {
            return CompletableFuture.completedFuture(sum);
        }
        return source.next().thenCompose(v -> sumLater(source, i + 1, sum + v));
    }

    @Benchmark
    public int virtualThread(Handoff h, Cpu cpu) throws InterruptedException {
        cpu.awaits += AWAITS;
        return handOver(h);
    }

    private static int handOver(Handoff h) throws InterruptedException {
        BlockingQueue<Integer> q = h.newQueue();
        int[] sum = new int[1];
        Thread consumer = Thread.ofVirtual().start(() -> {
            int s = 0;
            try {
                for (int i = 0; i < AWAITS; i++) {
                    s += q.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sum[0] = s;
        });
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < AWAITS; i++) {
                    q.put(i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.join();
        consumer.join();
        return sum[0];
    }
}
