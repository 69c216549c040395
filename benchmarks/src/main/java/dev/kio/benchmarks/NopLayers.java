package dev.kio.benchmarks;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

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

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpTable;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.ring.Opcode;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.ring.RingOptions;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

/**
 * The NOP workload of {@link NopRoundTrip} one layer at a time, to tell where the Java path's
 * time goes (a diagnostic; {@code benchmarks/run-nop --layers} runs it):
 *
 * <ul>
 *   <li>{@link #ring}: the bare {@link Ring}: SQEs written and CQEs read from Java over FFM,
 *       one {@code io_uring_enter} per batch. What the C peer does, in Java.</li>
 *   <li>{@link #opTable}: plus the {@link OpTable}: pooled ops, user_data with generations,
 *       outcome classification and a waiter callback per completion.</li>
 * </ul>
 *
 * {@link NopRoundTrip} adds the rest: the worker loop (inbox, run queue, park/unpark around the
 * wait) and a frame resumed per completion. The benchmark thread itself pins to {@link #cpu}
 * and owns the ring, as a worker does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(NopRoundTrip.OPS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-XX:+UseG1GC", "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", // as NopRoundTrip
})
public class NopLayers {
    private static final int OPS = NopRoundTrip.OPS;

    @Param({"1", "32"})
    public int batch;

    @Param({"1"})
    public int cpu;

    private Ring ring;
    private Arena arena;
    private OpTable table;
    private Ops ops;
    private final CqeCounter cqes = new CqeCounter();
    private final OpCounter waiter = new OpCounter();
    private Ring.CqeHandler tableHandler;
    private Thread owner;

    @Setup(Level.Trial)
    public void open() throws Exception {
        int rc = Native.setAffinity(cpu);
        if (rc < 0) {
            throw new IllegalStateException("cannot pin the benchmark thread to CPU " + cpu + ": " + Errno.name(-rc));
        }
        ring = Ring.open(RingOptions.defaults().withIowqCpu(cpu));
        arena = Arena.ofConfined();
        table = new OpTable(ring, arena, 1024);
        ops = new Ops(table);
        tableHandler = table::complete;
        owner = Thread.currentThread();
    }

    @TearDown(Level.Trial)
    public void close() {
        // Every NOP has been reaped: nothing the kernel holds refers to this memory.
        ring.close();
        arena.close();
    }

    @Benchmark
    public long ring() {
        checkOwner();
        long before = cqes.count;
        for (int done = 0; done < OPS; ) {
            int n = Math.min(batch, OPS - done);
            for (int i = 0; i < n; i++) {
                ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, i, 0, 0, 0);
            }
            int pending = n;
            while (pending > 0) {
                enter();
                pending -= ring.reap(cqes);
            }
            done += n;
        }
        return cqes.count - before;
    }

    @Benchmark
    public long opTable() {
        checkOwner();
        long before = waiter.count;
        for (int done = 0; done < OPS; ) {
            int n = Math.min(batch, OPS - done);
            for (int i = 0; i < n; i++) {
                table.submit(ops.nop(), waiter);
            }
            int pending = n;
            while (pending > 0) {
                enter();
                pending -= ring.reap(tableHandler);
            }
            done += n;
        }
        return waiter.count - before;
    }

    private void enter() {
        int rc = ring.enter(1);
        if (rc < 0 && rc != -Errno.EINTR) {
            throw new IllegalStateException("io_uring_enter failed: " + Errno.name(-rc));
        }
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            // With SINGLE_ISSUER only the thread that set the ring up may submit.
            throw new IllegalStateException("JMH ran the benchmark on another thread than its setup");
        }
    }

    private static final class CqeCounter implements Ring.CqeHandler {
        long count;

        @Override
        public void onCqe(long userData, int res, int flags) {
            if (res != 0) {
                throw new IllegalStateException("NOP completed with " + res);
            }
            count++;
        }
    }

    private static final class OpCounter implements OpWaiter {
        long count;

        @Override
        public void onComplete(Op op) {
            if (op.outcome() != Outcome.OK) {
                throw new IllegalStateException("NOP ended " + op.outcome() + " with " + op.result());
            }
            count++;
        }
    }
}
