package dev.kio.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * <pre>java -cp kio-benchmarks.jar dev.kio.bench.report.JfrAllocation RAW.json...</pre>
 * fills in {@code "server_alloc_bytes"} of each raw run file that has a recording next to it
 * ({@code X.json} and {@code X.jfr}; the window is the file's {@code start_unix_ns} and
 * {@code end_unix_ns}), then deletes the recording. A recording without two batches inside the
 * window leaves the figure null and makes the exit status 1, after the other files are done.
 */
public final class JfrAllocation {
    /** Events further apart than this belong to different batches (the period is 100 or 500 ms). */
    private static final long BATCH_SPREAD_NS = 50_000_000L;
    private static final String UNKNOWN = "\"server_alloc_bytes\":null";

    private JfrAllocation() {}

    public static void main(String[] args) throws IOException {
        boolean complete = true;
        for (String arg : args) {
            Path json = Path.of(arg);
            Path jfr = json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", ".jfr"));
            if (!Files.exists(jfr)) {
                continue;
            }
            String text = Files.readString(json);
            Map<String, Object> run = FlatJson.parse(text);
            try {
                double bytes = allocatedBytes(RecordingFile.readAllEvents(jfr), ((Double) run.get("start_unix_ns")).longValue(),
                        ((Double) run.get("end_unix_ns")).longValue());
                if (!text.contains(UNKNOWN)) {
                    throw new IllegalStateException("no " + UNKNOWN + " to fill in");
                }
                Files.writeString(json, text.replace(UNKNOWN, String.format(Locale.ROOT, "\"server_alloc_bytes\":%.0f", bytes)));
                Files.delete(jfr);
            } catch (IllegalStateException | IOException e) {
                System.err.println("JfrAllocation: " + json + ": " + e.getMessage());
                complete = false;
            }
        }
        System.exit(complete ? 0 : 1);
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
