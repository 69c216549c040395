package dev.kio.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report over a fixed set of raw runs (src/test/resources/dev/kio/bench/report/raw): kio and
 * netty-uring, three rounds of a closed-loop and an open-loop echo workload, with figures chosen
 * so that the median of the per-round ratios differs from the ratio of the medians.
 */
class ReportTest {
    @TempDir
    static Path dir;

    static Report report;

    @BeforeAll
    static void copyFixtures() throws IOException, URISyntaxException {
        System.setProperty("java.awt.headless", "true");
        Path raw = Files.createDirectories(dir.resolve("raw"));
        try (Stream<Path> files = Files.list(resource("raw"))) {
            for (Path f : files.toList()) {
                Files.copy(f, raw.resolve(f.getFileName().toString()));
            }
        }
        report = Report.load(dir);
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ReportTest.class.getResource(name).toURI());
    }

    @Test
    void closedLoopRatioIsTheMedianOfThePerRoundRatios() {
        assertEquals(100_000, report.median("echo-64-c50", "kio", Run::rps));
        assertEquals(100_000, report.median("echo-64-c50", "netty-uring", Run::rps));
        // rounds: 100k/80k, 120k/100k, 90k/100k
        assertEquals(1.2, report.ratio("echo-64-c50", "netty-uring", Run::rps), 1e-12);
    }

    @Test
    void openLoopComparesCpuPerRequestAndTailLatency() {
        assertEquals(2.5, report.median("open-echo-64-r50k", "kio", Run::cpuPerMillion), 1e-9);
        assertEquals(4.0, report.median("open-echo-64-r50k", "netty-uring", Run::cpuPerMillion), 1e-9);
        assertEquals(0.5, report.ratio("open-echo-64-r50k", "netty-uring", Run::cpuPerMillion), 1e-9);
        assertEquals(0.5, report.ratio("open-echo-64-r50k", "netty-uring", Run::p99), 1e-9);
        assertEquals(110, report.median("open-echo-64-r50k", "kio", Run::p99));
    }

    @Test
    void allocationPerRequestOnlyWhereItWasMeasured() {
        assertEquals(0.0, report.median("echo-64-c50", "kio", Run::allocPerRequest));
        assertEquals(48.0, report.median("open-echo-64-r50k", "netty-uring", Run::allocPerRequest), 1e-9);
        assertTrue(Double.isNaN(report.median("open-echo-64-r50k", "kio", Run::allocPerRequest)));
    }

    @Test
    void summaryLeadsWithKioRatiosThenATablePerWorkload() throws IOException {
        String md = report.summary();
        assertTrue(md.indexOf("## Headline") < md.indexOf("## echo-64-c50"), md);
        assertTrue(md.contains("| echo-64-c50 | 1.20 |"), md);
        assertTrue(md.contains("| open-echo-64-r50k | 0.50 |"), md);
        assertTrue(md.contains("## open-echo-64-r50k: TCP echo of 64 B, 50 connections, 1 in flight per connection, "
                + "open loop at 50,000 requests/s"), md);
        assertTrue(md.contains("| netty-uring | 3 | 50,000 | 50 | 200 | 400 | 4.00 | 48.0 | 0 | 0 | - | 0.50 | 0.50 |"), md);
        assertTrue(md.contains("| kio | 3 | 50,000 | 50 | 110 | 220 | 2.50 | - | 0 | 0 | 90 |"), md);
        assertTrue(md.contains("at most 1.5% of the CPUs"), md);
    }

    @Test
    void writesTheSummaryAndEveryChartAsPng() throws IOException {
        List<Path> written = report.write();
        assertEquals(List.of("summary.md", "rps.png", "cpu.png", "latency-echo-64-c50.png", "latency-open-echo-64-r50k.png"),
                written.stream().map(p -> p.getFileName().toString()).toList());
        for (Path png : written.subList(1, written.size())) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not an image");
            assertEquals(1000, image.getWidth());
            assertEquals(560, image.getHeight());
        }
    }

    @Test
    void openLoopRunsAloneGetNoRequestsPerSecondChart(@TempDir Path only) throws Exception {
        Path raw = Files.createDirectories(only.resolve("raw"));
        try (Stream<Path> files = Files.list(resource("raw"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("open-")).toList()) {
                Files.copy(f, raw.resolve(f.getFileName().toString()));
            }
        }
        assertEquals(List.of("summary.md", "cpu.png", "latency-open-echo-64-r50k.png"),
                Report.load(only).write().stream().map(p -> p.getFileName().toString()).toList());
    }

    /** kio-load's histograms decode with HdrHistogram and give back the percentiles it reported. */
    @Test
    void loadGeneratorHistogramsDecodeToTheirOwnPercentiles() throws Exception {
        for (String name : List.of("kio-load-closed.json", "kio-load-open.json")) {
            Map<String, Object> json = FlatJson.parse(Files.readString(resource(name)));
            Histogram h = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode((String) json.get("hdr"))), 0);
            assertEquals(number(json, "requests"), h.getTotalCount(), name);
            assertEquals(number(json, "p50_us"), h.getValueAtPercentile(50), name);
            assertEquals(number(json, "p90_us"), h.getValueAtPercentile(90), name);
            assertEquals(number(json, "p99_us"), h.getValueAtPercentile(99), name);
            assertEquals(number(json, "p999_us"), h.getValueAtPercentile(99.9), name);
            assertEquals(number(json, "max_us"), h.getMaxValue(), name);
            assertEquals(3, h.getNumberOfSignificantValueDigits());
        }
    }

    @Test
    void percentileLabelsCountNines() {
        assertEquals("0%", Report.percentileLabel(0));
        assertEquals("90%", Report.percentileLabel(1));
        assertEquals("99%", Report.percentileLabel(2));
        assertEquals("99.9%", Report.percentileLabel(3));
        assertEquals("68%", Report.percentileLabel(0.5));
    }

    @Test
    void truncatedRawFileIsRejectedWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlatJson.parse("{\"mode\":\"echo\",\"rps\":12"));
        assertEquals("bad JSON at offset 23: expected '}'", e.getMessage());
    }

    private static long number(Map<String, Object> json, String key) {
        return ((Double) json.get(key)).longValue();
    }
}
