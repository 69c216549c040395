package dev.kio.bench.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * One measured run of run-peers: a peer serving one workload in one round, as written to
 * {@code raw/<workload>.<peer>.r<round>.json} (kio-load's JSON plus the runner's fields).
 *
 * <p>Latencies are in microseconds; run-files' peers report fractions of them.
 *
 * @param serverCpuSeconds   the server process's user + system CPU time over the measured window, NaN if unknown
 * @param serverAllocBytes   bytes the server allocated over the window (JVM peers), NaN when not measured
 * @param loadCpuSeconds     kio-load's own CPU time over the window, NaN if unknown
 * @param histogram          the latency histogram, or null when the file has none
 * @param histogramNanos     the histogram counts nanoseconds ({@code "hdr_unit":"ns"}), not microseconds
 */
record Run(String peer, String workload, int round, String mode, int conns, int size, int pipeline, double rate,
        double seconds, long requests, double rps, long errors, long late, double p50, double p90, double p99,
        double p999, double max, double serverCpuSeconds, double serverAllocBytes, double stealPercent,
        double loadCpuSeconds, Histogram histogram, boolean histogramNanos) {

    static Run read(Path file) throws IOException {
        Map<String, Object> json;
        try {
            json = FlatJson.parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        Fields f = new Fields(file, json);
        return new Run(f.string("peer"), f.string("workload"), (int) f.number("round"), f.string("mode"),
                (int) f.number("conns"), (int) f.number("size"), (int) f.number("pipeline"), f.number("rate"),
                f.number("seconds"), (long) f.number("requests"), f.number("rps"), (long) f.number("errors"),
                (long) f.optional("late", 0), f.number("p50_us"), f.number("p90_us"), f.number("p99_us"),
                f.number("p999_us"), f.number("max_us"), f.optional("server_cpu_s", Double.NaN),
                f.optional("server_alloc_bytes", Double.NaN),
                f.optional("steal_pct", Double.NaN), f.optional("load_cpu_s", Double.NaN), f.histogram("hdr"), "ns".equals(json.get("hdr_unit")));
    }

    /** Open loop: the load generator offered a fixed rate instead of saturating the server. */
    boolean openLoop() {
        return rate > 0;
    }

    /** Server CPU seconds per million requests. */
    double cpuPerMillion() {
        return requests == 0 ? Double.NaN : serverCpuSeconds / requests * 1e6;
    }

    /** The load generator's share of its CPU over the window, in percent (100: it was the limit). */
    double loadCpuPercent() {
        return seconds == 0 ? Double.NaN : 100 * loadCpuSeconds / seconds;
    }

    /** Bytes the server allocated per request; NaN when allocation was not measured. */
    double allocPerRequest() {
        return requests == 0 ? Double.NaN : serverAllocBytes / requests;
    }

    private record Fields(Path file, Map<String, Object> json) {
        Object get(String key) {
            if (!json.containsKey(key)) {
                throw new IllegalArgumentException(file + ": no \"" + key + "\"");
            }
            return json.get(key);
        }

        String string(String key) {
            if (get(key) instanceof String s) {
                return s;
            }
            throw new IllegalArgumentException(file + ": \"" + key + "\" is not a string");
        }

        double number(String key) {
            if (get(key) instanceof Double d) {
                return d;
            }
            throw new IllegalArgumentException(file + ": \"" + key + "\" is not a number");
        }

        /** A number that may be absent or null (not measured for this peer). */
        double optional(String key, double otherwise) {
            return json.get(key) == null ? otherwise : number(key);
        }

        Histogram histogram(String key) {
            if (json.get(key) == null) {
                return null;
            }
            try {
                return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(string(key))), 0);
            } catch (DataFormatException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": \"" + key + "\" is not a base64 HdrHistogram: " + e, e);
            }
        }
    }
}
