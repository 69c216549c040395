package dev.kio.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.annotation.processing.Processor;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import dev.kio.processor.KioProcessor;

/**
 * What kio's processor adds to a build: one source set of {@code handlers × flows} flows
 * (default 20 × 10 = 200), compiled in-process with javac ({@code javax.tools}) with kio's
 * processor and without it ({@code -proc:none}, the same sources, which compile as plain Java).
 * The processor's share includes compiling the {@code _Kio} classes it writes.
 *
 * <ul>
 *   <li><b>warm</b>: in this JVM, after warm-up compiles, alternating the two modes (ABBA) so
 *       drift in the machine hits both alike. Reported: median wall-clock and median CPU time of
 *       the compiling thread per mode, and the median of the per-pair ratios.
 *   <li><b>cold</b> ({@code --cold N}): N pairs of fresh JVMs, each compiling once, as a
 *       command-line {@code javac} would: class loading and JIT warm-up of javac and of the
 *       processor are part of the figure. Reported: the compile's wall-clock inside the child,
 *       and the child process's wall-clock as seen from here.
 *   <li><b>against another processor</b> ({@code --against kio-benchmarks.jar} of another build):
 *       each warm round also compiles with the {@code KioProcessor} of that jar, loaded in a class
 *       loader of its own (the generated code still compiles against this jar's runtime), so two
 *       processors are compared in one JVM, their rounds interleaved, javac equally warm for both.
 * </ul>
 *
 * <pre>
 * java -cp benchmarks/target/kio-benchmarks.jar dev.kio.benchmarks.ProcessorCost [--handlers 20] [--flows 10]
 *      [--warmup 5] [--rounds 10] [--cold 5] [--against other.jar]
 * </pre>
 *
 * The last line is {@code RESULT flows=200 warm_ratio=... warm_cpu_ratio=... cold_ratio=...}.
 * Exits non-zero if either mode fails to compile the sources or the processor writes fewer
 * classes than there are handlers.
 */
public final class ProcessorCost {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Flow shapes in {@link #handlerSource}. */
    private static final int FLOWS_PER_TEMPLATE = 10;

    private final int handlers;
    private final int flows;
    private final List<Source> sources;

    private ProcessorCost(int handlers, int flows) {
        this.handlers = handlers;
        this.flows = flows;
        this.sources = new ArrayList<>();
        for (int k = 0; k < handlers; k++) {
            sources.add(new Source("bench/gen/Handler" + k + ".java", handlerSource(k, flows)));
        }
    }

    public static void main(String[] args) throws Exception {
        int handlers = 20;
        int flows = 10;
        int warmup = 5;
        int rounds = 10;
        int cold = 0;
        String once = null;
        Path against = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--handlers" -> handlers = positive(a, args, ++i);
                case "--flows" -> flows = positive(a, args, ++i);
                case "--warmup" -> warmup = Integer.parseInt(value(a, args, ++i));
                case "--rounds" -> rounds = positive(a, args, ++i);
                case "--cold" -> cold = Integer.parseInt(value(a, args, ++i));
                case "--once" -> once = value(a, args, ++i);
                case "--against" -> against = Path.of(value(a, args, ++i));
                default -> throw new IllegalArgumentException("unknown argument " + a
                        + " (expected --handlers N, --flows N (1-" + FLOWS_PER_TEMPLATE + "), --warmup N, --rounds N, --cold N,"
                        + " --against JAR)");
            }
        }
        if (flows > FLOWS_PER_TEMPLATE) {
            throw new IllegalArgumentException("--flows is at most " + FLOWS_PER_TEMPLATE + ", got " + flows);
        }
        ProcessorCost cost = new ProcessorCost(handlers, flows);
        if (once != null) {
            Compile c = cost.compile(once.equals("kio") ? new KioProcessor() : null);
            System.out.printf(Locale.ROOT, "ONCE wall_ms=%.1f cpu_ms=%.1f%n", c.wallNs / 1e6, c.cpuNs / 1e6);
            return;
        }
        cost.run(warmup, rounds, cold, against == null ? null : otherProcessor(against));
    }

    private static String value(String name, String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static int positive(String name, String[] args, int i) {
        int v = Integer.parseInt(value(name, args, i));
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + v);
        }
        return v;
    }

    /** The {@code KioProcessor} class of another build's jar, in a class loader of its own. */
    private static Class<?> otherProcessor(Path jar) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--against: no such jar " + jar);
        }
        @SuppressWarnings("resource") // the class must stay loadable until the JVM exits
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        return loader.loadClass(KioProcessor.class.getName());
    }

    private static Processor newProcessor(Class<?> type) throws Exception {
        return (Processor) type.getDeclaredConstructor().newInstance();
    }

    private void run(int warmup, int rounds, int cold, Class<?> other) throws Exception {
        int total = handlers * flows;
        System.out.printf(Locale.ROOT, "# %d flows: %d handlers x %d flows, %d source lines; %s%n", total, handlers, flows,
                sources.stream().mapToLong(s -> s.text.lines().count()).sum(), System.getProperty("java.vm.version"));
        for (int i = 0; i < warmup; i++) {
            compile(i % 2 == 0 ? new KioProcessor() : null);
            compile(i % 2 != 0 ? new KioProcessor() : null);
            if (other != null) {
                compile(newProcessor(other));
            }
        }
        double[] plainWall = new double[rounds];
        double[] kioWall = new double[rounds];
        double[] plainCpu = new double[rounds];
        double[] kioCpu = new double[rounds];
        double[] ratio = new double[rounds];
        double[] cpuRatio = new double[rounds];
        double[] otherCpu = new double[rounds];
        double[] otherCpuRatio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            // ABBA: which mode goes first alternates, so neither always follows the other.
            boolean kioFirst = r % 2 == 1;
            Compile otherFirst = other != null && kioFirst ? compile(newProcessor(other)) : null;
            Compile first = compile(kioFirst ? new KioProcessor() : null);
            Compile second = compile(!kioFirst ? new KioProcessor() : null);
            Compile otherLast = other != null && !kioFirst ? compile(newProcessor(other)) : null;
            Compile kio = kioFirst ? first : second;
            Compile plain = kioFirst ? second : first;
            plainWall[r] = plain.wallNs / 1e6;
            kioWall[r] = kio.wallNs / 1e6;
            plainCpu[r] = plain.cpuNs / 1e6;
            kioCpu[r] = kio.cpuNs / 1e6;
            ratio[r] = kioWall[r] / plainWall[r];
            cpuRatio[r] = kioCpu[r] / plainCpu[r];
            System.out.printf(Locale.ROOT, "warm round %2d: without %7.1f ms (cpu %7.1f)  with kio %7.1f ms (cpu %7.1f)  ratio %.2f (cpu %.2f)",
                    r + 1, plainWall[r], plainCpu[r], kioWall[r], kioCpu[r], ratio[r], cpuRatio[r]);
            if (other != null) {
                otherCpu[r] = (otherFirst != null ? otherFirst : otherLast).cpuNs / 1e6;
                otherCpuRatio[r] = otherCpu[r] / plainCpu[r];
                System.out.printf(Locale.ROOT, "  against: cpu %7.1f (ratio %.2f)", otherCpu[r], otherCpuRatio[r]);
            }
            System.out.println();
        }
        if (other != null) {
            System.out.printf(Locale.ROOT, "against %s: median cpu %.1f ms, ratio (cpu) %.2f; this processor %.1f ms, %.2f%n",
                    other.getProtectionDomain().getCodeSource().getLocation().getPath(), median(otherCpu), median(otherCpuRatio),
                    median(kioCpu), median(cpuRatio));
        }
        System.out.printf(Locale.ROOT, "warm: medians of %d rounds: without %.1f ms (cpu %.1f), with kio %.1f ms (cpu %.1f); ratio %.2f (cpu %.2f)%n",
                rounds, median(plainWall), median(plainCpu), median(kioWall), median(kioCpu), median(ratio), median(cpuRatio));
        String coldResult = "";
        if (cold > 0) {
            coldResult = cold(cold);
        }
        System.out.printf(Locale.ROOT, "RESULT flows=%d warm_without_ms=%.1f warm_kio_ms=%.1f warm_ratio=%.2f warm_cpu_ratio=%.2f%s%n", total,
                median(plainWall), median(kioWall), median(ratio), median(cpuRatio), coldResult);
    }

    /** N pairs of fresh JVMs, alternating which mode starts first; returns the RESULT fields. */
    private String cold(int pairs) throws Exception {
        double[] compileRatio = new double[pairs];
        double[] processRatio = new double[pairs];
        double[] plainMs = new double[pairs];
        double[] kioMs = new double[pairs];
        for (int r = 0; r < pairs; r++) {
            boolean kioFirst = r % 2 == 1;
            double[] first = child(kioFirst);
            double[] second = child(!kioFirst);
            double[] kio = kioFirst ? first : second;
            double[] plain = kioFirst ? second : first;
            plainMs[r] = plain[0];
            kioMs[r] = kio[0];
            compileRatio[r] = kio[0] / plain[0];
            processRatio[r] = kio[1] / plain[1];
            System.out.printf(Locale.ROOT, "cold pair %2d: without %7.1f ms (process %7.1f)  with kio %7.1f ms (process %7.1f)  ratio %.2f (process %.2f)%n",
                    r + 1, plain[0], plain[1], kio[0], kio[1], compileRatio[r], processRatio[r]);
        }
        System.out.printf(Locale.ROOT, "cold: medians of %d pairs: without %.1f ms, with kio %.1f ms; ratio %.2f (whole process %.2f)%n",
                pairs, median(plainMs), median(kioMs), median(compileRatio), median(processRatio));
        return String.format(Locale.ROOT, " cold_without_ms=%.1f cold_kio_ms=%.1f cold_ratio=%.2f cold_process_ratio=%.2f",
                median(plainMs), median(kioMs), median(compileRatio), median(processRatio));
    }

    /** Runs one compile in a fresh JVM: {compile wall ms inside the child, child process wall ms}. */
    private double[] child(boolean kio) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-cp", System.getProperty("java.class.path"), ProcessorCost.class.getName(),
                "--handlers", Integer.toString(handlers), "--flows", Integer.toString(flows), "--once", kio ? "kio" : "none");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int exit = p.waitFor();
        long wall = System.nanoTime() - start;
        String line = out.lines().filter(l -> l.startsWith("ONCE ")).findFirst().orElse(null);
        if (exit != 0 || line == null) {
            throw new IllegalStateException("the child compile (" + (kio ? "with kio" : "without") + ") failed with exit " + exit + ":\n" + out);
        }
        double ms = Double.parseDouble(line.replaceAll(".*wall_ms=([0-9.]+).*", "$1"));
        return new double[] {ms, wall / 1e6};
    }

    private record Compile(long wallNs, long cpuNs) {
    }

    /** One compile of the whole source set into a fresh directory; fails loudly on any error. */
    private Compile compile(Processor processor) throws IOException {
        boolean kio = processor != null;
        Path out = Files.createTempDirectory("kio-processor-cost");
        try {
            Path classes = Files.createDirectories(out.resolve("classes"));
            Path generated = Files.createDirectories(out.resolve("generated"));
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
            System.gc();
            long cpu = -THREADS.getCurrentThreadCpuTime();
            long wall = -System.nanoTime();
            boolean ok;
            try (StandardJavaFileManager files = javac.getStandardFileManager(diags, Locale.ROOT, null)) {
                List<String> options = List.of("-Xlint:all", "-d", classes.toString(), "-s", generated.toString(),
                        "-classpath", System.getProperty("java.class.path"), kio ? "-proc:full" : "-proc:none");
                JavaCompiler.CompilationTask task = javac.getTask(null, files, diags, options, null, sources);
                if (kio) {
                    task.setProcessors(List.of(processor));
                }
                ok = task.call();
            }
            wall += System.nanoTime();
            cpu += THREADS.getCurrentThreadCpuTime();
            List<String> errors = diags.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).toList();
            if (!ok || !errors.isEmpty()) {
                throw new IllegalStateException("compiling the flows " + (kio ? "with" : "without") + " kio failed:\n"
                        + String.join("\n", errors));
            }
            long kioClasses;
            try (Stream<Path> s = Files.walk(classes)) {
                kioClasses = s.filter(p -> p.getFileName().toString().matches("Handler\\d+_Kio\\.class")).count();
            }
            if (kioClasses != (kio ? handlers : 0)) {
                throw new IllegalStateException("expected " + (kio ? handlers : 0) + " generated handler classes, found " + kioClasses);
            }
            return new Compile(wall, cpu);
        } finally {
            delete(out);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * Handler {@code k}: the first {@code flows} of ten flows of the shapes kio's users write (loops
     * over awaits, try/catch/finally across awaits, flows calling flows, switches, labelled
     * jumps, awaits inside expressions and conditions), with constants varied per handler.
     */
    static String handlerSource(int k, int flows) {
        String[] shapes = {
            """
                @Flow
                int readAll(int n) throws OpException {
                    int total = 0;
                    for (int i = 0; i < n; i++) {
                        int r = await(ops().nop());
                        if (r < 0) {
                            break;
                        }
                        total += r + $K;
                    }
                    return total;
                }
            """,
            """
                @Flow
                String greet(String name) throws OpException {
                    log.append("greet ").append(name).append(';');
                    String head = "hello " + name + " #" + await(ops().nop());
                    return head + "/" + (await(ops().ready($K)) + name.length());
                }
            """,
            """
                @Flow
                int guarded(int n) throws IOException {
                    int done = 0;
                    try {
                        done += await(ops().nop());
                        if (n > $K) {
                            throw new IOException("too many: " + n);
                        }
                        done += await(ops().ready(n));
                    } catch (IOException e) {
                        log.append(e.getMessage()).append(';');
                        done -= await(ops().nop()) + 1;
                    } finally {
                        served++;
                        await(ops().nop());
                    }
                    return done;
                }
            """,
            """
                @Flow
                void session(List<String> lines) throws IOException {
                    for (String line : lines) {
                        switch (line.length() % 3) {
                            case 0 -> await(ops().nop());
                            case 1 -> {
                                int w = await(ops().ready(line.length()));
                                log.append(w).append(',');
                            }
                            default -> log.append(line.isEmpty() ? "-" : line.substring(0, 1));
                        }
                    }
                    served += lines.size() + $K;
                }
            """,
            """
                @Flow
                long retry(int attempts) throws OpException {
                    int attempt = 0;
                    while (true) {
                        try {
                            return await(ops().nop()) + (long) attempt * $K;
                        } catch (OpException e) {
                            if (++attempt >= attempts) {
                                throw e;
                            }
                            log.append("retry ").append(attempt).append(';');
                        }
                    }
                }
            """,
            """
                @Flow
                String walk(int n) throws OpException {
                    StringBuilder out = new StringBuilder();
                    outer:
                    for (int i = 0; i < n; i++) {
                        int j = 0;
                        while (true) {
                            j++;
                            if (j > i) {
                                continue outer;
                            }
                            if (i * j > $K + 6) {
                                break outer;
                            }
                            out.append(await(ops().ready(i * j)));
                        }
                    }
                    return out.toString();
                }
            """,
            """
                @Flow
                boolean admit(int x) throws OpException {
                    boolean quick = await(ops().nop()) == 0 && x > $K;
                    return quick || await(ops().ready(x)) > 3 && served < 1000;
                }
            """,
            """
                @Flow
                int pick(int x) throws OpException {
                    int v = x > $K ? await(ops().ready(x)) + 1 : await(ops().nop()) - 1;
                    int w = switch (v % 4) {
                        case 0 -> await(ops().nop()) + 10;
                        case 1 -> v * 2;
                        default -> {
                            int u = await(ops().ready(v));
                            yield u - 1;
                        }
                    };
                    return v + w;
                }
            """,
            """
                @Flow
                int weigh(int[] xs) throws OpException {
                    int sum = 0;
                    for (int x : xs) {
                        sum += x * await(ops().ready(x + $K));
                    }
                    log.append("weighed ").append(xs.length).append(';');
                    return sum;
                }
            """,
            """
                @Flow
                int serve(int n) throws IOException {
                    int got = readAll(n);
                    int g = guarded(n + $K);
                    String hi = greet("client" + n);
                    return got + g + hi.length() + (admit(n) ? 1 : 0);
                }
            """,
        };
        // serve(), which calls four of the others, comes last: any prefix of the shapes compiles.
        StringBuilder b = new StringBuilder("""
                package bench.gen;

                import static dev.kio.Flows.await;

                import java.io.IOException;
                import java.util.List;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.OpException;
                import dev.kio.runtime.op.Ops;
                import dev.kio.runtime.worker.Worker;

                @IoHandler
                public abstract class Handler$K {
                    final StringBuilder log = new StringBuilder();
                    int served;

                    Ops ops() {
                        return Worker.current().ops();
                    }

                """);
        for (int f = 0; f < flows; f++) {
            b.append(shapes[f]).append('\n');
        }
        b.append("}\n");
        return b.toString().replace("$K", Integer.toString(k));
    }

    /** A source file held in memory. */
    private static final class Source extends SimpleJavaFileObject {
        final String text;

        Source(String path, String text) {
            super(URI.create("string:///" + path), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
