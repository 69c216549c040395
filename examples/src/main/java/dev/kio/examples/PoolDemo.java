package dev.kio.examples;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.kio.OpException;
import dev.kio.OpTimedOutException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;
import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.ring.Ring;
import dev.kio.runtime.ring.RingSetupException;
import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * kio's main demo ({@code scripts/demo}): a pool with one pinned worker per allowed CPU, and on
 * each worker a round of real io_uring operations, each checked and reported.
 *
 * <p>Every task is a hand-written {@link Frame}: a state machine whose {@code step()} awaits an
 * op ({@code await(op)}), reads its completion ({@code result()}, which throws the typed
 * {@link OpException}), and finally {@code complete(v)}s. Main hands each task to a worker
 * with {@link Worker#syncWait}.
 *
 * <p>Exit status: 0 when every check passed, 1 when one failed, 2 when io_uring is unavailable.
 */
public final class PoolDemo {
    static final int NOP_ROUNDS = 10;
    static final int NOPS_PER_ROUND = 20_000;
    static final int NOP_BATCH = 32;
    static final Duration SLEEP = Duration.ofMillis(20);
    static final Duration READ_TIMEOUT = Duration.ofMillis(50);
    static final int PIPE_BYTES = 64;

    private static final int O_CLOEXEC = 0x80000;

    /** glibc's {@code sched_getcpu()}: where the calling thread runs right now. */
    @SuppressWarnings("restricted")
    private static final MethodHandle SCHED_GETCPU = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_getcpu").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT));

    private PoolDemo() {
    }

    /** One verified fact about one worker. */
    public record Check(int worker, String name, boolean passed, String detail) {
    }

    /**
     * What a run of the demo verified.
     *
     * @param workers the pool's size
     * @param checks  every check made, in order
     */
    public record Report(int workers, List<Check> checks) {
        public boolean allPassed() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
        }

        public long failed() {
            return checks.stream().filter(c -> !c.passed()).count();
        }
    }

    public static void main(String[] args) {
        if (!IoUring.isAvailable()) {
            RingSetupException cause = IoUring.unavailabilityCause().orElseThrow();
            unavailable(cause);
            System.exit(2);
        }
        Report report;
        try {
            report = run(System.out);
        } catch (RingSetupException e) {
            unavailable(e);
            System.exit(2);
            return;
        }
        System.exit(report.allPassed() ? 0 : 1);
    }

    private static void unavailable(RingSetupException cause) {
        System.err.println("kio: io_uring is not available here (" + cause.errnoName() + "): " + cause.reason());
        System.err.println("fix: " + cause.fix());
    }

    /**
     * Starts the pool, runs one round on every worker, prints each check to {@code out}, and
     * closes the pool.
     *
     * @throws RingSetupException when a worker's ring cannot be set up
     */
    public static Report run(PrintStream out) throws RingSetupException {
        int[] allowed = IoPool.allowedCpus();
        List<Check> checks = new ArrayList<>();
        int size;
        out.printf("kio pool demo: %d allowed CPU(s) %s, one pinned worker each%n", allowed.length,
                Arrays.toString(allowed));
        try (IoPool pool = IoPool.builder().start()) {
            size = pool.size();
            for (Worker w : pool.workers()) {
                Worker next = pool.worker((w.index() + 1) % pool.size());
                out.printf("%nworker %d (cpu %d)%n", w.index(), w.cpu());
                List<Check> round = new ArrayList<>();
                round.add(runTask(w, "ring", new RingInfo()));
                round.add(affinity(w));
                round.add(runTask(w, "nop", new NopBatch(NOP_ROUNDS, NOPS_PER_ROUND, NOP_BATCH)));
                round.add(runTask(w, "pipe", new PipeRoundTrip(PIPE_BYTES)));
                round.add(runTask(w, "sleep", new Sleep(SLEEP)));
                round.add(runTask(w, "timeout", new ReadTimeout(READ_TIMEOUT)));
                round.add(runTask(w, "hop", new Hop(next)));
                for (Check c : round) {
                    out.printf("  %-6s %-8s %s%n", c.passed() ? "ok" : "FAILED", c.name(), c.detail());
                }
                checks.addAll(round);
            }
        }
        Report report = new Report(size, List.copyOf(checks));
        out.printf("%npool closed. %d/%d checks passed on %d worker(s)%s%n", checks.size() - report.failed(),
                checks.size(), size, report.allPassed() ? "" : ": DEMO FAILED");
        return report;
    }

    /** Runs one task on {@code w} from this (plain) thread; its exception becomes a failed check. */
    private static Check runTask(Worker w, String name, Frame<Check> task) {
        try {
            Check c = w.syncWait(task);
            return new Check(w.index(), name, c.passed(), c.detail());
        } catch (Exception | Error e) {
            return new Check(w.index(), name, false, "threw " + e);
        }
    }

    private static Check affinity(Worker w) {
        int[] got = w.affinity();
        boolean ok = got.length == 1 && got[0] == w.cpu();
        return new Check(w.index(), "affinity", ok, "read back from the kernel: " + Arrays.toString(got)
                + (ok ? "" : ", expected [" + w.cpu() + "]"));
    }

    static Check check(boolean passed, String detail) {
        return new Check(-1, "", passed, detail);
    }

    static int currentCpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("sched_getcpu failed", t);
        }
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** The names of the set-up flags kio asks for, and any other bit in hex. */
    static String flagNames(int flags) {
        List<String> names = new ArrayList<>();
        int rest = flags;
        int[] bits = {Ring.SETUP_SINGLE_ISSUER, Ring.SETUP_DEFER_TASKRUN, Ring.SETUP_COOP_TASKRUN, Ring.SETUP_SUBMIT_ALL};
        String[] labels = {"SINGLE_ISSUER", "DEFER_TASKRUN", "COOP_TASKRUN", "SUBMIT_ALL"};
        for (int i = 0; i < bits.length; i++) {
            if ((flags & bits[i]) != 0) {
                names.add(labels[i]);
                rest &= ~bits[i];
            }
        }
        if ((rest & 1 << 3) != 0) {
            names.add("CQSIZE");
            rest &= ~(1 << 3);
        }
        if (rest != 0) {
            names.add("0x" + Integer.toHexString(rest));
        }
        return names.isEmpty() ? "none" : String.join("|", names);
    }

    // ------------------------------------------------------------------------------------------
    // The tasks. Each runs on one worker (Hop excepted) and completes with a Check.
    // ------------------------------------------------------------------------------------------

    /**
     * Reads the ring's set-up on the worker thread, which owns the ring, and checks that the
     * kernel kept the same set-up flags for it as for the probe ring behind
     * {@link IoUring#isAvailable()}. No op is issued.
     */
    static final class RingInfo extends Frame<Check> {
        private static final int WANTED = Ring.SETUP_SINGLE_ISSUER | Ring.SETUP_DEFER_TASKRUN
                | Ring.SETUP_COOP_TASKRUN | Ring.SETUP_SUBMIT_ALL;

        @Override
        protected void step() throws Throwable {
            Ring ring = worker().ring();
            int flags = ring.setupFlags();
            int probe = IoUring.support().setupFlags();
            boolean same = (flags & WANTED) == (probe & WANTED);
            int refused = WANTED & ~flags;
            complete(check(same, "flags in force " + flagNames(flags)
                    + (refused != 0 ? " (refused by this kernel: " + flagNames(refused) + ")" : "")
                    + (same ? "" : ", but the probe ring got " + flagNames(probe & WANTED))
                    + "; ring fd registered: " + (ring.registeredRingFd() ? "yes" : "no")
                    + "; " + ring.sqEntries() + " SQ / " + ring.cqEntries() + " CQ entries"));
        }
    }

    /**
     * Issues {@code rounds} rounds of {@code perRound} NOPs, {@code batch} in flight at a time,
     * and times each round: the first is slowed by JIT warm-up (and by the JIT's threads sharing
     * the pinned CPUs), the last shows the steady state. Every completion of a batch is awaited (with {@code awaitMore()}) even if one fails,
     * so the frame never finishes with ops still in flight.
     */
    static final class NopBatch extends Frame<Check> {
        private final int rounds;
        private final int perRound;
        private final int batch;
        private final long[] roundNanos;
        private int round;
        private int done;
        private int failed;
        private int pending;
        private long start;

        NopBatch(int rounds, int perRound, int batch) {
            this.rounds = rounds;
            this.perRound = perRound;
            this.batch = batch;
            this.roundNanos = new long[rounds];
        }

        @Override
        protected void step() {
            if (state == 0) {
                start = System.nanoTime();
            } else {
                if (outcome() != Outcome.OK || rawResult() != 0) {
                    failed++;
                }
                done++;
                if (--pending > 0) {
                    awaitMore();
                    return;
                }
            }
            if (done == perRound) {
                long now = System.nanoTime();
                roundNanos[round++] = now - start;
                start = now;
                done = 0;
                if (round == rounds) {
                    long total = (long) rounds * perRound;
                    complete(check(failed == 0, String.format(Locale.ROOT,
                            "%d NOPs (%d in flight), %s: %.0f ns/op over the first %d, %.0f ns/op over the last %d",
                            total, batch, failed == 0 ? "all results 0" : failed + " failed",
                            (double) roundNanos[0] / perRound, perRound,
                            (double) roundNanos[rounds - 1] / perRound, perRound)));
                    return;
                }
            }
            state = 1;
            pending = Math.min(batch, perRound - done);
            for (int i = 0; i < pending; i++) {
                await(ops().nop());
            }
        }
    }

    /** A pipe and the arena for its buffers, owned by one frame on its worker. */
    static final class OwnedPipe {
        final Arena arena = Arena.ofConfined();
        int readFd = -1;
        int writeFd = -1;

        OwnedPipe() {
            int[] fds = pipe(arena);
            readFd = fds[0];
            writeFd = fds[1];
        }

        /** Closes what io_uring has not closed yet, synchronously, and frees the arena. */
        void release() {
            closeQuietly(readFd, writeFd);
            readFd = -1;
            writeFd = -1;
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    /** A child task: closes both ends of a pipe with io_uring close ops, then frees its arena. */
    static final class ClosePipe extends Frame<Void> {
        private final OwnedPipe pipe;

        ClosePipe(OwnedPipe pipe) {
            this.pipe = pipe;
        }

        @Override
        protected void step() throws Throwable {
            switch (state) {
                case 0 -> {
                    state = 1;
                    await(ops().close(pipe.writeFd));
                }
                case 1 -> {
                    pipe.writeFd = -1;
                    result();
                    state = 2;
                    await(ops().close(pipe.readFd));
                }
                case 2 -> {
                    pipe.readFd = -1;
                    result();
                    pipe.release();
                    complete(null);
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }
    }

    /**
     * Makes a pipe, writes a pattern into it, reads it back and compares, then closes both ends
     * with io_uring close ops.
     */
    static final class PipeRoundTrip extends Frame<Check> {
        private final int length;
        private OwnedPipe pipe;
        private ClosePipe closing;
        private MemorySegment out;
        private MemorySegment in;
        private int written;
        private int read;
        private Check verdict;

        PipeRoundTrip(int length) {
            this.length = length;
        }

        @Override
        protected void step() throws Throwable {
            try {
                switch (state) {
                    case 0 -> {
                        pipe = new OwnedPipe();
                        out = pipe.arena.allocate(length);
                        in = pipe.arena.allocate(length);
                        for (int i = 0; i < length; i++) {
                            out.set(JAVA_BYTE, i, (byte) (i * 7 + 1));
                        }
                        state = 1;
                        await(ops().write(pipe.writeFd, out, 0, length, Ops.CURRENT_POSITION));
                    }
                    case 1 -> {
                        written = result();
                        state = 2;
                        await(ops().read(pipe.readFd, in, 0, length, Ops.CURRENT_POSITION));
                    }
                    case 2 -> {
                        read = result();
                        // Compared now: closing the pipe frees the buffers.
                        long mismatch = out.asSlice(0, read).mismatch(in.asSlice(0, read));
                        boolean ok = written == length && read == length && mismatch == -1;
                        verdict = check(ok, "wrote " + written + " bytes into a pipe, read " + read + " back, "
                                + (mismatch == -1 ? "bytes equal" : "bytes differ at " + mismatch)
                                + "; both ends closed with io_uring close");
                        closing = new ClosePipe(pipe);
                        state = 3;
                        if (!await(closing)) {
                            finish();
                        }
                    }
                    case 3 -> finish();
                    default -> throw new IllegalStateException("state " + state);
                }
            } catch (Throwable t) {
                // The awaited op or child has completed when this throws: free what is left.
                if (pipe != null) {
                    pipe.release();
                }
                throw t;
            }
        }

        private void finish() throws Throwable {
            resultOf(closing);
            complete(verdict);
        }
    }

    /** Sleeps with an io_uring timeout op and measures how long it took. */
    static final class Sleep extends Frame<Check> {
        private final Duration duration;
        private long start;

        Sleep(Duration duration) {
            this.duration = duration;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                start = System.nanoTime();
                await(ops().sleep(duration.toNanos()));
                return;
            }
            result();
            long took = System.nanoTime() - start;
            boolean ok = took >= duration.toNanos();
            complete(check(ok, "asked for " + duration.toMillis() + " ms, measured " + ms(took)
                    + (ok ? "" : ": woke early")));
        }
    }

    /**
     * Reads from an empty pipe with a timeout on the op: it must end in
     * {@link OpTimedOutException} no earlier than the timeout. Closes the pipe with io_uring.
     */
    static final class ReadTimeout extends Frame<Check> {
        private final Duration timeout;
        private OwnedPipe pipe;
        private ClosePipe closing;
        private long start;
        private Check verdict;

        ReadTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        protected void step() throws Throwable {
            try {
                switch (state) {
                    case 0 -> {
                        pipe = new OwnedPipe();
                        MemorySegment buf = pipe.arena.allocate(16);
                        state = 1;
                        start = System.nanoTime();
                        await(ops().read(pipe.readFd, buf, 0, 16, Ops.CURRENT_POSITION).timeout(timeout));
                    }
                    case 1 -> {
                        long took = System.nanoTime() - start;
                        String what = "read on an empty pipe with a " + timeout.toMillis() + " ms timeout: ";
                        try {
                            int n = result();
                            verdict = check(false, what + "returned " + n + " instead of timing out");
                        } catch (OpTimedOutException e) {
                            boolean ok = took >= timeout.toNanos() && e.timeout().equals(timeout);
                            verdict = check(ok, what + e.getClass().getSimpleName() + " after " + ms(took)
                                    + " (\"" + e.getMessage() + "\")" + (ok ? "" : ": too early"));
                        } catch (OpException e) {
                            verdict = check(false, what + "wrong failure " + e);
                        }
                        closing = new ClosePipe(pipe);
                        state = 2;
                        if (!await(closing)) {
                            finish();
                        }
                    }
                    case 2 -> finish();
                    default -> throw new IllegalStateException("state " + state);
                }
            } catch (Throwable t) {
                if (pipe != null) {
                    pipe.release();
                }
                throw t;
            }
        }

        private void finish() throws Throwable {
            resultOf(closing);
            complete(verdict);
        }
    }

    /**
     * Moves itself to {@code target} with {@code switchTo} and back, and checks each time that it
     * runs on the expected worker's thread and CPU.
     */
    static final class Hop extends Frame<Check> {
        private final Worker target;
        private Worker home;
        private String before;
        private String away;
        private boolean ok = true;

        Hop(Worker target) {
            this.target = target;
        }

        @Override
        protected void step() {
            for (;;) {
                switch (state) {
                    case 0:
                        home = worker();
                        before = where(home);
                        state = 1;
                        if (switchTo(target)) {
                            return;
                        }
                        break;
                    case 1:
                        away = where(target);
                        state = 2;
                        if (switchTo(home)) {
                            return;
                        }
                        break;
                    case 2:
                        String back = where(home);
                        String detail = target == home
                                ? "only one worker, nothing to hop to: stayed on " + back
                                : before + " -> " + away + " -> " + back;
                        complete(check(ok, "switchTo: " + detail));
                        return;
                    default:
                        throw new IllegalStateException("state " + state);
                }
            }
        }

        /** Where this frame runs; clears {@code ok} unless it is {@code expected}'s thread on its CPU. */
        private String where(Worker expected) {
            Worker current = Worker.current();
            int cpu = currentCpu();
            String at = Thread.currentThread().getName() + " on cpu " + cpu;
            if (current != expected || worker() != expected || expected.cpu() >= 0 && cpu != expected.cpu()) {
                ok = false;
                return at + " (expected " + expected + ")";
            }
            return at;
        }
    }

    /** {@code pipe2(O_CLOEXEC)}: {read end, write end}. */
    static int[] pipe(Arena arena) {
        MemorySegment fds = arena.allocate(JAVA_INT, 2);
        int rc = Native.pipe(fds, O_CLOEXEC);
        if (rc < 0) {
            throw new IllegalStateException("pipe2 failed: " + Errno.name(-rc) + " (" + Errno.describe(-rc) + ")");
        }
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    private static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                Native.close(fd);
            }
        }
    }
}
