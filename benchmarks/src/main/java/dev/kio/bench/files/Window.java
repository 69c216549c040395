package dev.kio.bench.files;

import java.lang.management.ManagementFactory;
import java.util.concurrent.locks.LockSupport;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

/**
 * The timeline of one run: reads start now, are counted once {@link #start} is reached, and stop
 * at {@link #end}. A sampler thread, asleep in between, reads the process's CPU time and heap
 * allocation at both instants, so what the readers cost is measured over exactly the window whose
 * reads are counted (all threads: the readers, JIT, GC, io_uring's io-wq workers).
 */
final class Window {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** {@link System#nanoTime()} when counting starts and stops. */
    final long start;
    final long end;
    private final Thread sampler;
    private long cpuNanos;
    private long allocatedBytes;

    private Window(ReadOptions o) {
        long now = System.nanoTime();
        start = now + (long) (o.warmup() * 1e9);
        end = start + (long) (o.seconds() * 1e9);
        sampler = Thread.ofPlatform().name("window-sampler").daemon().unstarted(this::sample);
    }

    /** A window starting after {@code o.warmup()} seconds from now, its sampler running. */
    static Window open(ReadOptions o) {
        Window w = new Window(o);
        w.sampler.start();
        return w;
    }

    /** Whether a read completed at {@code now} is counted. */
    boolean counts(long now) {
        return now >= start && now < end;
    }

    /** Whether a reader that saw a completion at {@code now} stops. */
    boolean over(long now) {
        return now >= end;
    }

    double seconds() {
        return (end - start) / 1e9;
    }

    /** Waits for the sampler; then the process's CPU seconds over the window. */
    double cpuSeconds() throws InterruptedException {
        sampler.join();
        return cpuNanos / 1e9;
    }

    /** Waits for the sampler; then the bytes the process's threads allocated on the heap over the window. */
    long allocatedBytes() throws InterruptedException {
        sampler.join();
        return allocatedBytes;
    }

    private void sample() {
        sleepUntil(start);
        long cpu = OS.getProcessCpuTime();
        long alloc = THREADS.getTotalThreadAllocatedBytes();
        sleepUntil(end);
        cpuNanos = OS.getProcessCpuTime() - cpu;
        allocatedBytes = THREADS.getTotalThreadAllocatedBytes() - alloc;
    }

    private static void sleepUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }
}
