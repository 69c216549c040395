package dev.kio.bench.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * What one random-read run measured, written as the benchmark contract's JSON object (one per run,
 * the keys the network runs use, with {@code rps} = reads per second):
 * {@code peer, workload, round, mode ("randread"), io ("cache" or "direct"), conns and qd (reads in
 * flight), size (4096), pipeline (1), rate (0: closed loop), seconds, requests, rps, errors,
 * p50_us, p90_us, p99_us, p999_us, max_us, server_cpu_s, server_alloc_bytes, file_bytes,
 * hdr (base64 HdrHistogram V2 compressed, in hdr_unit: "ns"), detail}.
 *
 * @param requests       reads that completed inside the window
 * @param errors         reads, in or out of the window, that came back short or with other bytes than the file holds
 * @param latencyNanos   each counted read, from just before its submission to just after its completion
 * @param seconds        the window
 * @param cpuSeconds     the process's CPU time over the window
 * @param allocatedBytes the process's heap allocation over the window
 * @param fileBytes      the size of the file read
 * @param detail         how the peer ran, for the record (e.g. whether kio's buffers were registered)
 */
record ReadResult(long requests, long errors, Histogram latencyNanos, double seconds, double cpuSeconds, long allocatedBytes,
        long fileBytes, String detail) {

    /** A histogram for read latencies in nanoseconds: 1 ns to 60 s, 3 significant digits. */
    static Histogram newHistogram() {
        return new Histogram(60_000_000_000L, 3);
    }

    double rps() {
        return requests / seconds;
    }

    String toJson(ReadOptions o) {
        ByteBuffer hdr = ByteBuffer.allocate(latencyNanos.getNeededByteBufferCapacity());
        int n = latencyNanos.encodeIntoCompressedByteBuffer(hdr);
        return String.format(Locale.ROOT, "{\"peer\":\"%s\",\"workload\":\"%s\",\"round\":%d,\"mode\":\"randread\",\"io\":\"%s\","
                + "\"conns\":%d,\"qd\":%d,\"size\":%d,\"pipeline\":1,\"rate\":0,\"seconds\":%.3f,\"requests\":%d,\"rps\":%.1f,"
                + "\"errors\":%d,\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f,"
                + "\"server_cpu_s\":%.4f,\"server_alloc_bytes\":%d,\"file_bytes\":%d,\"hdr_unit\":\"ns\",\"hdr\":\"%s\","
                + "\"detail\":\"%s\"}%n",
                o.peer(), o.workload(), o.round(), o.direct() ? "direct" : "cache", o.qd(), o.qd(), ReadOptions.BLOCK, seconds,
                requests, rps(), errors, micros(50), micros(90), micros(99), micros(99.9), latencyNanos.getMaxValue() / 1e3,
                cpuSeconds, allocatedBytes, fileBytes, Base64.getEncoder().encodeToString(Arrays.copyOf(hdr.array(), n)),
                detail.replace("\\", "\\\\").replace("\"", "\\\""));
    }

    private double micros(double percentile) {
        return latencyNanos.getValueAtPercentile(percentile) / 1e3;
    }

    /** Prints a one-line summary and writes the JSON where {@code o.json()} says. */
    void report(ReadOptions o) throws IOException {
        System.out.printf(Locale.ROOT, "RESULT peer=%s workload=%s round=%d iops=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f"
                + " cpu_s=%.2f alloc_bytes=%d errors=%d (%s)%n", o.peer(), o.workload(), o.round(), rps(), micros(50),
                micros(99), micros(99.9), cpuSeconds, allocatedBytes, errors, detail);
        if (o.json() != null) {
            Files.writeString(o.json(), toJson(o));
        }
    }
}
