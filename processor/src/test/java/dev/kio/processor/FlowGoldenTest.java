package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.kio.Task;
import dev.kio.runtime.worker.IoPool;

/**
 * The generated source of representative flows, compared with goldens (see {@link Goldens}):
 * a change in what the processor writes shows up as a reviewable diff. Each is compiled twice,
 * to check the output does not depend on hash order, under {@code -Xlint:all -Werror}, and run
 * on a real worker.
 */
class FlowGoldenTest {
    private static final String IMPORTS = """
            package demo;

            import static dev.kio.Flows.await;

            import dev.kio.Flow;
            import dev.kio.IoHandler;
            import dev.kio.OpException;
            import dev.kio.runtime.op.Ops;
            import dev.kio.runtime.worker.Worker;
            """;

    /** A handler's common part: a log the flows write to, and the worker's operations. */
    private static final String MEMBERS = """
                final StringBuilder log = new StringBuilder();

                Ops ops() {
                    return Worker.current().ops();
                }
            """;

    private static IoPool pool;

    @BeforeAll
    static void startPool() throws Exception {
        pool = IoPool.builder().workers(1).pin(false).start();
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Compiles {@code sources} twice, checks both give the same text, and checks it against the goldens. */
    private static Compiled golden(TestInfo test, Map<String, String> sources) {
        Compiled first = Compiled.compile(sources).assertSuccess();
        Compiled second = Compiled.compile(sources).assertSuccess();
        assertEquals(Goldens.sources(first.generated), Goldens.sources(second.generated),
                "the generated sources should not change from one compilation to the next");
        Goldens.check(first, test);
        return first;
    }

    private static Compiled golden(TestInfo test, String className, String source) {
        return golden(test, Map.of(className, source));
    }

    /** Runs flow {@code flow} through its starter on a worker: its value, then what it logged. */
    private static String run(Compiled c, String generatedClass, String flow, Object... args) throws Exception {
        Class<?> generated = c.loader().loadClass(generatedClass);
        Object handler = generated.getConstructor().newInstance();
        Method starter = Arrays.stream(generated.getMethods())
                .filter(m -> m.getName().equals(flow) && java.lang.reflect.Modifier.isStatic(m.getModifiers()))
                .findFirst().orElseThrow();
        Object[] starterArgs = new Object[args.length + 1];
        starterArgs[0] = handler;
        System.arraycopy(args, 0, starterArgs, 1, args.length);
        Object value = pool.worker(0).syncWait((Task<?>) starter.invoke(null, starterArgs));
        var log = generated.getSuperclass().getDeclaredField("log");
        log.setAccessible(true);
        return value + " | " + log.get(handler);
    }

    @Test
    void echoLoopWithAwaitsInTryAndFinally(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Echo", IMPORTS + """

                /** Echoes chunks until the peer sends nothing, acknowledging each, and always closes. */
                @IoHandler
                public abstract class Echo {
                """ + MEMBERS + """

                    @Flow
                    public int session(int[] chunks) throws OpException {
                        int echoed = 0;
                        int i = 0;
                        while (true) {
                            int n = await(ops().ready(chunks[i++]));
                            if (n == 0) {
                                break;
                            }
                            try {
                                await(ops().nop());
                                echoed += n;
                            } finally {
                                await(ops().nop());
                                log.append("ack ").append(n).append(';');
                            }
                        }
                        try {
                            return echoed;
                        } finally {
                            await(ops().nop());
                            log.append("closed");
                        }
                    }
                }
                """);
        assertEquals("8 | ack 3;ack 5;closed", run(c, "demo.Echo_Kio", "session", new int[] {3, 5, 0}));
    }

    @Test
    void nestedFlowCalls(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Http", IMPORTS + """

                @IoHandler
                public abstract class Http {
                """ + MEMBERS + """

                    @Flow
                    public String request(String path) throws OpException {
                        String head = header(path);
                        int body = await(ops().ready(path.length()));
                        return head + ":" + body + ":" + trailer(body);
                    }

                    @Flow
                    String header(String path) throws OpException {
                        await(ops().nop());
                        log.append("header;");
                        return "GET " + path + " " + checksum(path.length());
                    }

                    @Flow
                    int trailer(int n) throws OpException {
                        int t = checksum(n);
                        await(ops().nop());
                        log.append("trailer;");
                        return t * 2;
                    }

                    @Flow
                    int checksum(int n) throws OpException {
                        log.append("checksum ").append(n).append(';');
                        return await(ops().ready(n * 7)) + 1;
                    }
                }
                """);
        assertEquals("GET /a 15:2:30 | header;checksum 2;checksum 2;trailer;", run(c, "demo.Http_Kio", "request", "/a"));
    }

    @Test
    void switchStatementAndSwitchExpressionWithAwaits(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Codes", IMPORTS + """

                @IoHandler
                public abstract class Codes {
                """ + MEMBERS + """

                    @Flow
                    @SuppressWarnings("fallthrough")
                    public String classify(int[] codes) throws OpException {
                        StringBuilder out = new StringBuilder();
                        for (int code : codes) {
                            switch (code % 4) {
                                case 0:
                                    await(ops().nop());
                                    out.append('z');
                                    break;
                                case 1:
                                    out.append('o');
                                    // and on, as 2 does
                                case 2:
                                    out.append(await(ops().ready(code)));
                                    break;
                                default:
                                    out.append('?');
                            }
                            String kind = switch (code) {
                                case 0 -> "none";
                                case 1, 2 -> {
                                    int r = await(ops().ready(code * 10));
                                    yield "few" + r;
                                }
                                default -> code > 5 ? "many" : "some" + await(ops().ready(code));
                            };
                            out.append(kind).append(',');
                        }
                        log.append(codes.length);
                        return out.toString();
                    }
                }
                """);
        assertEquals("znone,o1few10,2few20,?some3,zmany, | 5",
                run(c, "demo.Codes_Kio", "classify", new int[] {0, 1, 2, 3, 8}));
    }

    @Test
    void tryWithResourcesAroundAwaits(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Copy", IMPORTS + """

                @IoHandler
                public abstract class Copy {
                """ + MEMBERS + """

                    final class Conn implements AutoCloseable {
                        final String name;

                        Conn(String name) {
                            this.name = name;
                            log.append("open ").append(name).append(';');
                        }

                        @Override
                        public void close() {
                            log.append("close ").append(name).append(';');
                        }
                    }

                    @Flow
                    public String copy(String name) throws OpException {
                        try (Conn in = new Conn(name + ".in"); Conn out = new Conn(name + ".out")) {
                            int n = await(ops().ready(in.name.length()));
                            await(ops().nop());
                            log.append("copied;");
                            return in.name + "->" + out.name + ":" + n;
                        }
                    }
                }
                """);
        assertEquals("f.in->f.out:4 | open f.in;open f.out;copied;close f.out;close f.in;",
                run(c, "demo.Copy_Kio", "copy", "f"));
    }

    @Test
    void jumpsLeavingCopiedTriesAndSiblingBlocksReusingNames(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Leave", IMPORTS + """

                @IoHandler
                public abstract class Leave {
                """ + MEMBERS + """

                    @Flow
                    public int attempts(int limit) throws OpException {
                        int tries = 0;
                        while (true) {
                            try {
                                tries += await(ops().ready(1));
                                try {
                                    if (tries == limit) {
                                        return tries;
                                    }
                                    if (tries > limit) {
                                        break;
                                    }
                                } finally {
                                    check(tries);
                                }
                            } catch (IllegalStateException e) {
                                log.append(e.getMessage()).append(';');
                            }
                        }
                        return -1;
                    }

                    void check(int tries) {
                        if (tries < 3) {
                            throw new IllegalStateException("retry " + tries);
                        }
                    }

                    @Flow
                    public String siblings(int n) throws OpException {
                        {
                            int x = await(ops().ready(n));
                            log.append(x).append(';');
                        }
                        {
                            int x = n * 2;
                            log.append(x).append(';');
                        }
                        return log.toString();
                    }
                }
                """);
        assertEquals("3 | retry 1;retry 2;", run(c, "demo.Leave_Kio", "attempts", 3));
        assertEquals("-1 | retry 1;retry 2;", run(c, "demo.Leave_Kio", "attempts", 0));
        assertEquals("2;4; | 2;4;", run(c, "demo.Leave_Kio", "siblings", 2));
    }

    @Test
    void awaitsInsideShortCircuitsConditionalsAndConcatenation(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Mix", IMPORTS + """

                @IoHandler
                public abstract class Mix {
                """ + MEMBERS + """

                    @Flow
                    public String mix(int a, String s) throws OpException {
                        boolean ok = a > 0 && await(ops().ready(a)) > 1 || s.isEmpty() && await(ops().nop()) == 0;
                        String r = (ok ? "yes" : "no") + "/"
                                + (a % 2 == 0 ? await(ops().ready(a / 2)) : -await(ops().ready(a))) + "/"
                                + s.length() + await(ops().ready(3)) + s.charAt(0);
                        log.append(r);
                        return r + (await(ops().ready(1)) == 1 ? s.substring(await(ops().ready(1))) : "");
                    }
                }
                """);
        assertEquals("yes/2/33xyz | yes/2/33x", run(c, "demo.Mix_Kio", "mix", 4, "xyz"));
    }

    @Test
    void unnamedVariablesAcrossAwaits(TestInfo test) throws Exception {
        Compiled c = golden(test, "demo.Drain", IMPORTS + """

                @IoHandler
                public abstract class Drain {
                """ + MEMBERS + """

                    @Flow
                    public int drain(java.util.List<String> items, Object tag) throws OpException {
                        int n = 0;
                        for (String _ : items) {
                            n += await(ops().ready(1));
                        }
                        try {
                            Integer.parseInt(await(ops().ready(n)) + "x");
                        } catch (NumberFormatException _) {
                            var _ = await(ops().nop());
                            log.append("not a number;");
                        }
                        if (tag instanceof String _) {
                            n += await(ops().ready(10));
                        }
                        return n;
                    }
                }
                """);
        assertEquals("12 | not a number;", run(c, "demo.Drain_Kio", "drain", List.of("a", "b"), "t"));
    }

    /**
     * Everything the generator copies from a handler: constructors (their access, parameters,
     * varargs and exceptions, not the private ones), a nested handler's name, imports, generic,
     * wildcard, array and varargs parameter types, locals of such types kept in fields, the
     * suppressions of the flow and its enclosing classes, and the subclass staying abstract while the handler has abstract methods.
     */
    @Test
    void everyMirroredMemberCompilesWithoutWarnings(TestInfo test) {
        golden(test, "demo.Outer", """
                package demo;

                import static dev.kio.Flows.await;

                import java.io.IOException;
                import java.util.ArrayList;
                import java.util.List;
                import java.util.Map;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.Operation;

                @SuppressWarnings("rawtypes")
                public final class Outer {
                    private Outer() {
                    }

                    @IoHandler
                    public abstract static class Members {
                        final Map<String, List<Integer>> table;

                        protected Members() throws IOException {
                            this(Map.of());
                        }

                        public Members(Map<String, List<Integer>> table) {
                            this.table = table;
                        }

                        Members(int size, String... names) throws IOException, InterruptedException {
                            this(Map.of(names[0], List.of(size)));
                        }

                        private Members(long ignored) {
                            this(Map.of());
                        }

                        abstract Operation op();

                        abstract int limit();

                        @Flow
                        public Map<String, List<Integer>> lookup(List<? extends CharSequence> keys, int[] sizes,
                                String... extra) throws IOException {
                            List<Integer> found = new ArrayList<>();
                            int[] copy = sizes.clone();
                            for (CharSequence k : keys) {
                                found.add(await(op()) + k.length() + copy.length + extra.length);
                            }
                            return Map.of("found", found);
                        }

                        @Flow
                        @SuppressWarnings("unchecked")
                        protected List<String>[] raw(Object o) throws IOException {
                            List[] lists = new List[] {(List) o};
                            await(op());
                            return lists;
                        }

                        @Flow
                        void nothing() throws IOException, InterruptedException {
                            char c = 'x';
                            long big = await(op()) * 2L;
                            if (big > limit()) {
                                throw new InterruptedException(c + "" + big);
                            }
                        }
                    }
                }
                """);
    }
}
