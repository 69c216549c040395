package dev.kio.examples;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import dev.kio.runtime.op.Ops;
import dev.kio.runtime.sys.Native;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * A pool started without an entry callback ({@code onStart}): its workers idle until someone hands
 * them work. Main, a plain thread, enters worker 0 by posting a task to it with
 * {@link Worker#syncWait} (the task goes into the worker's MPSC inbox and an eventfd write wakes
 * it) and blocks until the task's result comes back. The task, a hand-written {@link Frame} of
 * the shape the flow compiler generates, sends a message through a pipe on worker 0's ring (a
 * write linked to the read that takes it back out), then moves itself to worker 1 with
 * {@code switchTo} (the same inbox, woken from worker 0's ring with {@code MSG_RING}), does the
 * same there, closes the pipe with two linked closes, and completes: its result is what main
 * prints.
 *
 * <pre>{@code KIO_DEMO_MAIN=dev.kio.examples.SwitchToWorkerDemo scripts/demo}</pre>
 */
public final class SwitchToWorkerDemo {
    private SwitchToWorkerDemo() {
    }

    /**
     * What the task saw.
     *
     * @param mainThread  the plain thread that entered the pool
     * @param firstThread the thread that ran the first half (worker 0's)
     * @param secondThread the thread that ran the second half (worker 1's)
     * @param echoed      the messages that went through the pipe, as read back on each worker
     */
    public record Tour(String mainThread, String firstThread, String secondThread, String echoed) {
    }

    /** Starts a two-worker pool without an entry callback, runs the tour from this thread, prints it. */
    public static Tour run(PrintStream out) throws Exception {
        try (IoPool pool = IoPool.builder().workers(2).start()) {
            Worker first = pool.worker(0);
            Worker second = pool.worker(1);
            Tour tour = first.syncWait(new Hops(second));
            out.printf("main (%s) entered %s, which ran the first half on %s; it switched to %s (%s) and returned: %s%n",
                    tour.mainThread(), first, tour.firstThread(), second, tour.secondThread(), tour.echoed());
            return tour;
        }
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** The task main posts: a pipe round trip on its first worker, a switch, another round trip, closes. */
    static final class Hops extends Frame<Tour> {
        private static final int CAPACITY = 128;
        private final Worker second;
        private final String mainThread = Thread.currentThread().getName();
        /** Touched on two workers' threads, one after the other: shared, closed once the closes completed. */
        private final Arena arena = Arena.ofShared();
        private final MemorySegment out = arena.allocate(CAPACITY);
        private final MemorySegment in = arena.allocate(CAPACITY);
        private int[] pipe;
        private String firstThread;
        private String echoed = "";
        private int length;

        Hops(Worker second) {
            this.second = second;
        }

        @Override
        protected void step() throws Throwable {
            try {
                switch (state) {
                    case 0 -> {
                        firstThread = Thread.currentThread().getName();
                        pipe = PoolDemo.pipe(arena);
                        state = 1;
                        roundTrip("hello from " + firstThread);
                        return;
                    }
                    case 1 -> {
                        checkEcho();
                        state = 2;
                        if (switchTo(second)) {
                            return;
                        }
                    }
                    default -> {
                    }
                }
                if (state == 2) {
                    state = 3;
                    roundTrip("hello from " + Thread.currentThread().getName());
                } else if (state == 3) {
                    checkEcho();
                    state = 4;
                    Ops ops = ops();
                    // Hard-linked: the read end is closed even if closing the write end failed.
                    await(ops.close(pipe[1]).hardlink(ops.close(pipe[0])));
                } else {
                    pipe = null;
                    try {
                        result();
                    } finally {
                        arena.close();
                    }
                    complete(new Tour(mainThread, firstThread, Thread.currentThread().getName(), echoed));
                }
            } catch (Throwable t) {
                // Thrown only once the awaited op completed: nothing of the arena is in the kernel.
                closeQuietly(pipe);
                if (arena.scope().isAlive()) {
                    arena.close();
                }
                throw t;
            }
        }

        /** Writes {@code message} into the pipe, linked to the read that takes it back out: one submission. */
        private void roundTrip(String message) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            length = bytes.length;
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, out, 0, length);
            Ops ops = ops();
            await(ops.write(pipe[1], out, 0, length, Ops.CURRENT_POSITION)
                    .link(ops.read(pipe[0], in, 0, length, Ops.CURRENT_POSITION)));
        }

        private void checkEcho() throws Exception {
            int n = result();
            String got = new String(in.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            if (n != length || !got.equals(new String(out.asSlice(0, length).toArray(JAVA_BYTE), StandardCharsets.UTF_8))) {
                throw new IllegalStateException("the pipe gave back \"" + got + "\"");
            }
            echoed += (echoed.isEmpty() ? "" : ", ") + "\"" + got + "\"";
        }

        private static void closeQuietly(int[] fds) {
            if (fds != null) {
                for (int fd : fds) {
                    Native.close(fd);
                }
            }
        }
    }
}
