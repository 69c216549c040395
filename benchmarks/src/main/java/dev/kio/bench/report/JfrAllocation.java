package dev.kio.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The bytes a JVM peer allocated during a measured window, from the {@code
 * jdk.ThreadAllocationStatistics} events of a JFR recording (run-peers records only that event,
 * every 500 ms). Each event carries a thread's total allocated bytes so far: HotSpot's exact
 * per-thread counter (the one behind {@code ThreadMXBean.getThreadAllocatedBytes}), not a sample,
 * and not rounded to TLABs. Virtual threads count on their carriers.
 *
 * <p>The figure is the allocation rate between the first and the last batch of events inside the
 * window, times the window's length: batches come at JFR's period, not at the window's edges.
 * JFR's own threads are left out (they allocate to write the recording). A thread that appears
 * between the two batches counts from zero; one that ends between them is lost, which a server in
 * steady state does not do.
 *
 * <pre>java -cp kio-benchmarks.jar dev.kio.bench.report.JfrAllocation RECORDING.jfr START_UNIX_NS END_UNIX_NS</pre>
 * prints the bytes, or exits 1 with the reason when fewer than two batches fall inside the window.
 */
public final class JfrAllocation {
    /** Events further apart than this belong to different batches (the period is 500 ms). */
    private static final long BATCH_SPREAD_NS = 100_000_000L;

    private JfrAllocation() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: JfrAllocation RECORDING.jfr START_UNIX_NS END_UNIX_NS");
            System.exit(2);
        }
        long start = Long.parseLong(args[1]);
        long end = Long.parseLong(args[2]);
        try {
            System.out.printf("%.0f%n", allocatedBytes(RecordingFile.readAllEvents(Path.of(args[0])), start, end));
        } catch (IllegalStateException e) {
            System.err.println("JfrAllocation: " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** Bytes allocated in [startUnixNs, endUnixNs), extrapolated from the batches inside it. */
    static double allocatedBytes(List<RecordedEvent> events, long startUnixNs, long endUnixNs) {
        // One batch per JFR period: batch start (ns) -> thread id -> bytes allocated so far. The
        // events of one batch carry the same time, give or take the time it takes to emit them.
        TreeMap<Long, Map<Long, Long>> batches = new TreeMap<>();
        events.stream()
                .filter(e -> e.getEventType().getName().equals("jdk.ThreadAllocationStatistics"))
                .filter(e -> e.getThread("thread") != null && !String.valueOf(e.getThread("thread").getJavaName()).startsWith("JFR "))
                .sorted(Comparator.comparing(RecordedEvent::getStartTime))
                .forEach(e -> {
                    long t = nanos(e.getStartTime());
                    if (t >= startUnixNs && t < endUnixNs) {
                        Long batch = batches.floorKey(t);
                        if (batch == null || t - batch > BATCH_SPREAD_NS) {
                            batch = t;
                        }
                        batches.computeIfAbsent(batch, k -> new HashMap<>())
                                .put(e.getThread("thread").getJavaThreadId(), e.getLong("allocated"));
                    }
                });
        if (batches.size() < 2) {
            throw new IllegalStateException(batches.size() + " batch(es) of jdk.ThreadAllocationStatistics in the window, need 2");
        }
        Map<Long, Long> first = batches.firstEntry().getValue();
        long bytes = 0;
        for (Map.Entry<Long, Long> t : batches.lastEntry().getValue().entrySet()) {
            bytes += t.getValue() - first.getOrDefault(t.getKey(), 0L);
        }
        double span = batches.lastKey() - batches.firstKey();
        return bytes * ((endUnixNs - startUnixNs) / span);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
