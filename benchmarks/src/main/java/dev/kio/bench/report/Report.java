package dev.kio.bench.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report of a run-peers run: reads {@code DIR/raw/*.json} and writes {@code DIR/summary.md}
 * (medians per workload and peer, with kio's ratio to each peer as the headline) and PNG charts:
 * {@code rps.png} (closed-loop requests/s), {@code cpu.png} (server CPU per request) and one
 * {@code latency-<workload>.png} per workload (latency by percentile, from the HdrHistograms of
 * all rounds merged).
 *
 * <p>A figure is the median over rounds. A ratio is the median of the per-round ratios, each
 * taken between kio and the peer in the same round: rounds interleave the peers, so a ratio
 * compares runs that ran minutes apart at most, which is steadier than a ratio of medians on a
 * shared machine. {@code DIR/header.md}, when present, is copied to the top of the summary.
 *
 * <pre>java -cp kio-benchmarks.jar dev.kio.bench.report.Report DIR</pre>
 */
public final class Report {
    /** The peer the ratios are taken for. */
    static final String KIO = "kio";
    /** The contract's peers, in the order the tables list them; any other peer follows, by name. */
    private static final List<String> PEER_ORDER = List.of(KIO, "netty-uring", "netty-epoll", "vthreads", "c-uring", "tokio");

    private final Path dir;
    private final List<Run> runs;
    private final List<String> workloads;
    private final List<String> peers;

    Report(Path dir, List<Run> runs) {
        this.dir = dir;
        this.runs = runs;
        this.workloads = runs.stream()
                .sorted(Comparator.comparing(Run::openLoop).thenComparing(Run::mode).thenComparingInt(Run::size)
                        .thenComparingInt(Run::pipeline).thenComparingInt(Run::conns).thenComparing(Run::workload))
                .map(Run::workload).distinct().toList();
        this.peers = runs.stream().map(Run::peer).distinct()
                .sorted(Comparator.comparingInt((String p) -> PEER_ORDER.contains(p) ? PEER_ORDER.indexOf(p) : PEER_ORDER.size())
                        .thenComparing(p -> p))
                .toList();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report RESULTS_DIR   (reads RESULTS_DIR/raw/*.json)");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Report report = load(Path.of(args[0]));
        for (Path written : report.write()) {
            System.out.println(written);
        }
    }

    static Report load(Path dir) throws IOException {
        List<Run> runs = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("raw"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                runs.add(Run.read(f));
            }
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve("raw") + " has no .json runs");
        }
        return new Report(dir, runs);
    }

    /** Writes the summary and the charts; returns the files written. */
    List<Path> write() throws IOException {
        List<Path> written = new ArrayList<>();
        Path summary = dir.resolve("summary.md");
        Files.writeString(summary, summary());
        written.add(summary);
        // Network and file workloads differ by an order of magnitude and share few peers: one chart each.
        List<String> network = workloads.stream().filter(this::isNetwork).toList();
        List<String> files = workloads.stream().filter(w -> !isNetwork(w)).toList();
        // A run of chosen workloads may lack either kind; a chart with no category cannot be drawn.
        List<String> closedLoop = network.stream().filter(w -> !first(w).openLoop()).toList();
        if (!closedLoop.isEmpty()) {
            written.add(save(barChart("Closed loop: requests/s (median of rounds)", "requests/s", closedLoop, Run::rps), "rps"));
        }
        if (!network.isEmpty()) {
            written.add(save(barChart("Server CPU seconds per million requests (median of rounds)", "CPU s / M requests",
                    network, Run::cpuPerMillion), "cpu"));
        }
        if (!files.isEmpty()) {
            written.add(save(barChart("Files: reads/s (median of rounds)", "reads/s", files, Run::rps), "rps-files"));
            written.add(save(barChart("Files: CPU seconds per million reads (median of rounds)", "CPU s / M reads",
                    files, Run::cpuPerMillion), "cpu-files"));
        }
        for (String w : workloads) {
            written.add(save(latencyChart(w), "latency-" + w));
        }
        return written;
    }

    // ---- figures --------------------------------------------------------------------------

    List<Run> runs(String workload, String peer) {
        return runs.stream().filter(r -> r.workload().equals(workload) && r.peer().equals(peer))
                .sorted(Comparator.comparingInt(Run::round)).toList();
    }

    private Run first(String workload) {
        return runs.stream().filter(r -> r.workload().equals(workload)).findFirst().orElseThrow();
    }

    /** The median over the rounds of one figure; NaN when there is no round or the figure is NaN in all. */
    double median(String workload, String peer, ToDoubleFunction<Run> figure) {
        return median(runs(workload, peer).stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).toArray());
    }

    /** The median over the rounds both ran of kio's figure divided by the peer's. */
    double ratio(String workload, String peer, ToDoubleFunction<Run> figure) {
        Map<Integer, Run> kio = new LinkedHashMap<>();
        runs(workload, KIO).forEach(r -> kio.put(r.round(), r));
        return median(runs(workload, peer).stream().filter(r -> kio.containsKey(r.round()))
                .mapToDouble(r -> figure.applyAsDouble(kio.get(r.round())) / figure.applyAsDouble(r))
                .filter(v -> !Double.isNaN(v) && !Double.isInfinite(v)).toArray());
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    // ---- summary.md ------------------------------------------------------------------------

    String summary() throws IOException {
        StringBuilder md = new StringBuilder();
        Path header = dir.resolve("header.md");
        if (Files.exists(header)) {
            md.append(Files.readString(header).strip()).append("\n\n");
        } else {
            md.append("# kio against its peers\n\n");
        }
        List<String> others = peers.stream().filter(p -> !p.equals(KIO)).toList();
        List<String> closed = workloads.stream().filter(w -> !first(w).openLoop()).toList();
        List<String> open = workloads.stream().filter(w -> first(w).openLoop()).toList();
        if (peers.contains(KIO) && !others.isEmpty()) {
            md.append("## Headline: kio ÷ each peer\n\n");
            md.append("Medians of the per-round ratios (rounds interleave the peers; see docs/benchmarks.md).\n\n");
            ratioTable(md, "Closed loop, requests/s (above 1: kio serves more)", closed, others, Run::rps);
            ratioTable(md, "Open loop at a fixed rate, server CPU per request (below 1: kio spends less)", open, others,
                    Run::cpuPerMillion);
            ratioTable(md, "Open loop at a fixed rate, p99 latency (below 1: kio answers sooner)", open, others,
                    Run::p99);
            ratioTable(md, "Open loop at a fixed rate, p99.9 latency (below 1: kio answers sooner)", open, others,
                    Run::p999);
        }
        for (String w : workloads) {
            Run shape = first(w);
            md.append("## ").append(w).append(": ").append(describe(shape)).append("\n\n");
            md.append("| peer | rounds | req/s | p50 µs | p99 µs | p99.9 µs | CPU s / M req | alloc B / req | errors | late | load CPU % |");
            boolean withRatio = peers.contains(KIO);
            if (withRatio) {
                md.append(shape.openLoop() ? " kio ÷ peer, CPU / req | kio ÷ peer, p99 |" : " kio ÷ peer, req/s |");
            }
            md.append('\n').append("|---".repeat(11 + (withRatio ? (shape.openLoop() ? 2 : 1) : 0))).append("|\n");
            for (String p : peers) {
                List<Run> rs = runs(w, p);
                if (rs.isEmpty()) {
                    continue;
                }
                md.append("| ").append(p).append(" | ").append(rs.size())
                        .append(" | ").append(fmt(median(w, p, Run::rps), 0))
                        .append(" | ").append(latency(median(w, p, Run::p50)))
                        .append(" | ").append(latency(median(w, p, Run::p99)))
                        .append(" | ").append(latency(median(w, p, Run::p999)))
                        .append(" | ").append(fmt(median(w, p, Run::cpuPerMillion), 2))
                        .append(" | ").append(fmt(median(w, p, Run::allocPerRequest), 1))
                        .append(" | ").append(rs.stream().mapToLong(Run::errors).sum())
                        .append(" | ").append(rs.stream().mapToLong(Run::late).sum())
                        .append(" | ").append(fmt(median(w, p, Run::loadCpuPercent), 0)).append(" |");
                if (withRatio) {
                    boolean self = p.equals(KIO);
                    if (shape.openLoop()) {
                        md.append(' ').append(self ? "" : fmt(ratio(w, p, Run::cpuPerMillion), 2)).append(" | ")
                                .append(self ? "" : fmt(ratio(w, p, Run::p99), 2)).append(" |");
                    } else {
                        md.append(' ').append(self ? "" : fmt(ratio(w, p, Run::rps), 2)).append(" |");
                    }
                }
                md.append('\n');
            }
            md.append('\n');
        }
        double steal = runs.stream().mapToDouble(Run::stealPercent).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
        md.append("Steal time: at most ").append(fmt(steal, 1)).append("% of the CPUs over any run's measured window. ")
                .append("alloc B / req: JVM peers only (JFR jdk.ThreadAllocationStatistics), - for the others. ")
                .append("late: open-loop requests sent more than 1 ms after they were due. ")
                .append("load CPU %: kio-load's own CPU over the window; near 100 the load generator, not the server, ")
                .append("was the limit.\n\n")
                .append("Charts: rps.png, cpu.png (network), rps-files.png, cpu-files.png (files, when run), latency-<workload>.png.\n");
        return md.toString();
    }

    private void ratioTable(StringBuilder md, String title, List<String> ws, List<String> others, ToDoubleFunction<Run> figure) {
        if (ws.isEmpty()) {
            return;
        }
        md.append(title).append(":\n\n| workload |");
        others.forEach(p -> md.append(" ÷ ").append(p).append(" |"));
        md.append('\n').append("|---".repeat(others.size() + 1)).append("|\n");
        for (String w : ws) {
            md.append("| ").append(w).append(" |");
            others.forEach(p -> md.append(' ').append(fmt(ratio(w, p, figure), 2)).append(" |"));
            md.append('\n');
        }
        md.append('\n');
    }

    static String describe(Run r) {
        String load = r.openLoop()
                ? String.format(Locale.ROOT, "open loop at %,.0f requests/s", r.rate())
                : "closed loop";
        return switch (r.mode()) {
            case "echo", "http" -> String.format(Locale.ROOT, "%s, %d connections, %d in flight per connection, %s",
                    r.mode().equals("echo") ? "TCP echo of " + bytes(r.size()) : "HTTP/1.1 hello, keep-alive",
                    r.conns(), r.pipeline(), load);
            // run-files' workloads: conns is the queue depth
            default -> String.format(Locale.ROOT, "%s of %s, %d in flight, %s", r.mode(), bytes(r.size()),
                    r.conns() * r.pipeline(), load);
        };
    }

    private static String bytes(int size) {
        return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
    }

    /** Microseconds: below 10, to the hundredth (file reads from the page cache take about one). */
    private static String latency(double us) {
        return fmt(us, us < 10 ? 2 : 0);
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    // ---- charts ----------------------------------------------------------------------------

    private boolean isNetwork(String workload) {
        String mode = first(workload).mode();
        return mode.equals("echo") || mode.equals("http");
    }

    private CategoryChart barChart(String title, String yTitle, List<String> ws, ToDoubleFunction<Run> figure) {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(560).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLabelRotation(20);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setLegendLayout(Styler.LegendLayout.Horizontal)
                .setChartBackgroundColor(Color.WHITE);
        if (ws.isEmpty()) {
            ws = List.of("(none)");
        }
        for (String p : peers) {
            List<Double> values = new ArrayList<>();
            boolean measured = false;
            for (String w : ws) {
                double v = median(w, p, figure);
                measured |= !Double.isNaN(v);
                values.add(Double.isNaN(v) ? 0.0 : v);
            }
            if (measured) {
                chart.addSeries(p, ws, values);
            }
        }
        return chart;
    }

    private XYChart latencyChart(String workload) {
        XYChart chart = new XYChartBuilder().width(1000).height(560)
                .title(workload + ": latency by percentile (all rounds)").xAxisTitle("percentile").yAxisTitle("µs").build();
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Report::percentileLabel);
        chart.getStyler().setYAxisLogarithmic(true).setXAxisTickMarkSpacingHint(160);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW).setChartBackgroundColor(Color.WHITE);
        boolean any = false;
        for (String p : peers) {
            Histogram merged = null;
            for (Run r : runs(workload, p)) {
                if (r.histogram() != null && r.histogram().getTotalCount() > 0) {
                    if (merged == null) {
                        merged = r.histogram().copy();
                    } else {
                        merged.add(r.histogram());
                    }
                }
            }
            if (merged == null) {
                continue;
            }
            // x counts the nines of the percentile: 1 is the 90th, 2 the 99th, 3 the 99.9th; the
            // curve stops where fewer than one request lies beyond the percentile
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            double unit = runs(workload, p).getFirst().histogramNanos() ? 1e-3 : 1;
            for (int k = 0; Math.pow(10, k / 10.0) <= merged.getTotalCount() && k <= 60; k++) {
                xs.add(k / 10.0);
                ys.add(Math.max(0.1, unit * merged.getValueAtPercentile(100 * (1 - Math.pow(10, -k / 10.0)))));
            }
            chart.addSeries(p, xs, ys).setMarker(SeriesMarkers.NONE);
            any = true;
        }
        if (!any) {
            chart.addSeries("no histogram", List.of(1.0), List.of(1.0));
        }
        return chart;
    }

    /** The percentile that {@code nines} nines stand for: 0 is 0%, 1 is 90%, 2.5 is 99.7%, 3 is 99.9%. */
    static String percentileLabel(double nines) {
        double q = 100 * (1 - Math.pow(10, -nines));
        if (q < 1) {
            return "0%";
        }
        int digits = Math.max(2, (int) Math.ceil(nines - 1e-9) + 1);
        return new BigDecimal(q).round(new MathContext(digits)).stripTrailingZeros().toPlainString() + "%";
    }

    private Path save(Chart<?, ?> chart, String name) throws IOException {
        Path file = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
