package dev.kio.processor;

import static dev.kio.Flows.await;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;

import dev.kio.OpException;
import dev.kio.Task;
import dev.kio.runtime.worker.DirectMode;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Differential runs of flows: the flows become the {@code @Flow} methods of one handler,
 * compiled once with the processor; each then runs as the generated state machine on a pool
 * worker and as plain Java in direct mode, from a fresh handler holding the same script of
 * operation outcomes. The two runs must leave the same trace (the await sites in the order
 * their operations were made, the values the flow logged, what it caught and closed), the same
 * handler fields and the same result or exception.
 */
final class Differential {
    /**
     * One flow: its method source (named {@code name}, parameters {@code int a, int b}), its
     * arguments, and the outcomes of the operations it awaits in order, cycled: each entry is
     * {@code result * 2 + later}, where {@code later} 0 means complete at once (a ready op) and 1
     * complete later through the ring (a NOP injecting the result), and a negative result is -errno.
     */
    record FlowCase(String name, String source, int a, int b, List<Integer> script) {
    }

    /** What one run did. */
    record Outcome(List<String> trace, String fields, String result) {
    }

    static final String HANDLER = "demo.G";
    private static final long TIMEOUT_SECONDS = 20;

    private static final String HEADER = """
            package demo;

            import static dev.kio.Flows.await;

            import java.io.IOException;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.function.IntSupplier;
            import java.util.function.IntUnaryOperator;

            import dev.kio.Flow;
            import dev.kio.IoHandler;
            import dev.kio.OpException;
            import dev.kio.Operation;
            import dev.kio.runtime.worker.Worker;

            @IoHandler
            public abstract class G {
                final List<String> trace = new ArrayList<>();
                int[] script = {};
                int next;
                int fld0;
                int fld1;
                String sfld = "";

                // Caps what a run does, the same way both ways: a state machine gone wrong may loop forever.
                void record(String s) {
                    if (trace.size() == 100_000) {
                        throw new IllegalStateException("trace budget spent");
                    }
                    trace.add(s);
                }

                Operation op(int site) {
                    record("op" + site);
                    if (next == 400) {
                        throw new IllegalStateException("op budget spent");
                    }
                    int s = script.length == 0 ? 0 : script[next % script.length];
                    next++;
                    var ops = Worker.current().ops();
                    return (s & 1) == 0 ? ops.ready(s >> 1) : ops.nop(s >> 1);
                }

                int log(int v) {
                    record("v" + v);
                    return v;
                }

                String note(String s) {
                    record(s);
                    return s;
                }

                int twice(int v) {
                    return 2 * v;
                }

                // Single-signature stand-ins for Math.max, Math.floorMod and List.of, whose overloads or
                // type parameters the processor does not resolve when it must keep their value ([FlowOperandType]).
                int max(int x, int y) {
                    return Math.max(x, y);
                }

                int mod(int x, int n) {
                    return Math.floorMod(x, n);
                }

                List<Integer> listOf(int x, int y) {
                    return List.of(x, y);
                }

                static String describe(Throwable t) {
                    return t.getClass().getSimpleName() + ":" + t.getMessage() + "/" + t.getSuppressed().length;
                }

                final class Res implements AutoCloseable {
                    final String name;
                    final int failure;

                    Res(String name, int failure) {
                        this.name = name;
                        this.failure = Math.floorMod(failure, 4);
                        record("open " + name);
                    }

                    int use(int v) {
                        record("use " + name + " " + v);
                        return v;
                    }

                    @Override
                    public void close() throws IOException {
                        record("close " + name);
                        if (failure == 1) {
                            throw new IllegalStateException("close " + name);
                        }
                        if (failure == 2) {
                            throw new IOException("close " + name);
                        }
                    }
                }

            """;

    /** The thread that runs flows in direct mode; it keeps one direct-mode ring open. */
    private final ExecutorService direct;
    /** Threads that block in {@code syncWait}, so a run that never ends fails instead of hanging the test. */
    private final ExecutorService waiters;
    private final DirectMode directMode;

    Differential() throws Exception {
        direct = Executors.newSingleThreadExecutor(daemon("kio-direct"));
        waiters = Executors.newCachedThreadPool(daemon("kio-sync-wait"));
        directMode = within(direct.submit(() -> DirectMode.open()));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Whether the kernel injects a NOP's result (IORING_NOP_INJECT_RESULT, newer than 6.8); the scripts need it. */
    boolean injectsNopResults() throws Exception {
        return within(direct.submit(() -> {
            try {
                return await(Worker.current().ops().nop(12345)) == 12345;
            } catch (OpException e) {
                return false;
            }
        }));
    }

    static String handlerSource(List<FlowCase> flows) {
        return HEADER + flows.stream().map(FlowCase::source).collect(Collectors.joining("\n")) + "}\n";
    }

    /**
     * Compiles the flows into one handler and runs each both ways.
     *
     * @throws AssertionError naming each flow whose runs differ, with its source (and the sources
     *     of the flows it calls), its arguments, its script and both outcomes
     */
    void check(List<FlowCase> flows) throws Exception {
        String source = handlerSource(flows);
        Compiled compiled = Compiled.compile(HANDLER, source);
        if (!compiled.success || !compiled.errors().isEmpty()
                || compiled.diagnostics.stream().anyMatch(d -> d.getKind() != javax.tools.Diagnostic.Kind.NOTE)) {
            throw new AssertionError("the generated handler does not compile cleanly:\n" + compiled.report() + "\n"
                    + numbered(source) + (flows.size() <= 3 ? "\n" + compiled.generatedSources() : ""));
        }
        LoadedHandler handler;
        try {
            handler = new LoadedHandler(compiled, HANDLER);
        } catch (LinkageError e) {
            if (failsToLoadWithoutKio(source)) {
                throw new JavacMiscompiled(e);
            }
            // An AssertionError, so that jqwik shrinks the program as for any other failure.
            throw new AssertionError("the compiled handler does not load: " + e + "\n" + numbered(source)
                    + (flows.size() <= 3 ? "\n" + compiled.generatedSources() : ""), e);
        }
        List<String> failures = new ArrayList<>();
        // A pool of its own: a worker keeps finished frames for reuse, and with them the compiled classes.
        try (IoPool pool = IoPool.builder().workers(1).pin(false).start()) {
            for (FlowCase flow : flows) {
                Outcome generated = onWorker(pool.worker(0), handler, flow);
                Outcome plain = within(direct.submit(() -> inDirectMode(handler, flow)));
                if (!generated.equals(plain)) {
                    failures.add("flow " + flow.name() + "(" + flow.a() + ", " + flow.b() + ") with script " + flow.script()
                            + "\n  generated: " + generated + "\n  direct:    " + plain + "\n" + sourcesFor(flow, flows));
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("generated state machine and direct mode differ:\n" + String.join("\n", failures)
                    + (flows.size() <= 3 ? "\n" + compiled.generatedSources() : ""));
        }
    }

    /**
     * Whether javac, with no processor at all, compiles the handler as written into a class the
     * JVM refuses to load: then the fault is javac's, not kio's.
     */
    private static boolean failsToLoadWithoutKio(String source) throws ClassNotFoundException {
        Compiled plain = Compiled.compile(Map.of(HANDLER, source), new NoProcessor());
        if (!plain.success) {
            return false;
        }
        try {
            plain.loader().loadClass(HANDLER).getDeclaredMethods();
            return false;
        } catch (LinkageError e) {
            return true;
        }
    }

    /**
     * javac compiled the handler's own source, as written and without kio, into a class the JVM
     * refuses (JDK-8390354: a variable slot of a block that has ended, reused by a local
     * declared in a switch case, is taken as assigned at a later case, so the stack map there
     * is wrong). Nothing of kio's is at fault, and nothing of kio's can be run.
     */
    static final class JavacMiscompiled extends Exception {
        JavacMiscompiled(LinkageError e) {
            super("javac itself compiles the handler into a class that does not load: " + e.getMessage(), e);
        }
    }

    /**
     * Claims every annotation and does nothing: the handler compiles as plain Java, as with
     * {@code -proc:none}, and {@code -Xlint:processing} finds no annotation left unclaimed.
     */
    private static final class NoProcessor extends AbstractProcessor {
        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return Set.of("*");
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            return true;
        }
    }

    private Outcome onWorker(Worker worker, LoadedHandler handler, FlowCase flow) throws Exception {
        Object target = prepared(handler, flow);
        Task<?> task = handler.start(flow.name(), target, flow.a(), flow.b());
        String result;
        try {
            result = "= " + within(waiters.submit(() -> worker.syncWait(task)));
        } catch (ExecutionException e) {
            result = "! " + describe(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("flow " + flow.name() + " never finished as a state machine:\n" + flow.source(), e);
        }
        return outcome(handler, target, result);
    }

    private static Outcome inDirectMode(LoadedHandler handler, FlowCase flow) throws Exception {
        Object target = prepared(handler, flow);
        String result;
        try {
            result = "= " + handler.callDirect(flow.name(), target, flow.a(), flow.b());
        } catch (Throwable t) {
            result = "! " + describe(t);
        }
        return outcome(handler, target, result);
    }

    private static Object prepared(LoadedHandler handler, FlowCase flow) throws Exception {
        Object target = handler.newHandler();
        handler.field("script").set(target, flow.script().stream().mapToInt(Integer::intValue).toArray());
        return target;
    }

    @SuppressWarnings("unchecked")
    private static Outcome outcome(LoadedHandler handler, Object target, String result) throws Exception {
        List<String> trace = List.copyOf((List<String>) handler.field("trace").get(target));
        String fields = "fld0=" + handler.field("fld0").get(target) + " fld1=" + handler.field("fld1").get(target)
                + " sfld=" + handler.field("sfld").get(target) + " ops=" + handler.field("next").get(target);
        return new Outcome(trace, fields, result);
    }

    private static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getName()).append(": ").append(t.getMessage());
        if (t instanceof OpException o) {
            b.append(" [").append(o.errnoName()).append(']');
        }
        for (Throwable s : t.getSuppressed()) {
            b.append(" suppressed(").append(describe(s)).append(')');
        }
        return b.toString();
    }

    private static final Pattern CALL = Pattern.compile("\\b(f\\d+)\\(");

    /** The source of {@code flow} and of every flow it calls, directly or not. */
    private static String sourcesFor(FlowCase flow, List<FlowCase> flows) {
        Set<FlowCase> needed = new LinkedHashSet<>();
        List<FlowCase> work = new ArrayList<>(List.of(flow));
        while (!work.isEmpty()) {
            FlowCase f = work.removeLast();
            if (needed.add(f)) {
                Matcher m = CALL.matcher(f.source());
                while (m.find()) {
                    String callee = m.group(1);
                    flows.stream().filter(c -> c.name().equals(callee)).forEach(work::add);
                }
            }
        }
        return needed.stream().map(FlowCase::source).collect(Collectors.joining("\n"));
    }

    private static String numbered(String source) {
        String[] lines = source.split("\n", -1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            b.append(String.format("%4d  ", i + 1)).append(lines[i]).append('\n');
        }
        return b.toString();
    }

    private static <T> T within(Future<T> f) throws Exception {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Closes the direct-mode ring. */
    void close() throws Exception {
        within(direct.submit(() -> {
            directMode.close();
            return null;
        }));
        direct.shutdown();
        waiters.shutdown();
    }
}
